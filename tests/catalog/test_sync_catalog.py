from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import AIModel, ModelStatus, Provider


def _provider(slug: str, kind: str, base_url: str) -> Provider:
    return Provider.objects.create(slug=slug, name=slug.title(), adapter_kind=kind, base_url=base_url)


def _snapshot() -> dict:
    return {m["slug"]: m for m in AIModel.objects.values()}


@pytest.mark.django_db
def test_openrouter_sync_imports_new_models_as_inactive_beta_with_prices(fake_upstream):
    _provider("openrouter", "openrouter", fake_upstream.base_url("openrouter"))
    call_command("sync_catalog", provider="openrouter")
    sonnet = AIModel.objects.get(slug="openrouter/anthropic/claude-sonnet-4.5")
    assert (sonnet.status, sonnet.is_active) == (ModelStatus.BETA, False)
    assert (sonnet.input_price_per_1m, sonnet.output_price_per_1m) == (Decimal("3"), Decimal("15"))
    assert (sonnet.context_window, sonnet.max_output_tokens) == (1000000, 64000)
    assert sonnet.price_date is not None


@pytest.mark.django_db
def test_syncing_twice_changes_nothing(fake_upstream):
    _provider("openrouter", "openrouter", fake_upstream.base_url("openrouter"))
    call_command("sync_catalog", provider="openrouter")
    before = _snapshot()
    call_command("sync_catalog", provider="openrouter")
    assert _snapshot() == before


@pytest.mark.django_db
def test_sync_updates_prices_of_known_models_but_keeps_the_admins_choices(fake_upstream):
    call_command("seed_catalog")
    Provider.objects.filter(slug="openrouter").update(base_url=fake_upstream.base_url("openrouter"))
    AIModel.objects.filter(slug="openrouter/openai/gpt-4o-mini").update(
        input_price_per_1m=Decimal("9"), display_name="Renamed by admin"
    )
    call_command("sync_catalog", provider="openrouter")
    model = AIModel.objects.get(slug="openrouter/openai/gpt-4o-mini")
    assert model.input_price_per_1m == Decimal("0.15")
    assert model.display_name == "Renamed by admin"
    assert (model.status, model.is_active) == (ModelStatus.ACTIVE, True)


@pytest.mark.django_db
def test_openai_sync_keeps_seeded_prices_because_the_list_has_none(fake_upstream):
    call_command("seed_catalog")
    Provider.objects.filter(slug="openai").update(base_url=fake_upstream.base_url("openai"))
    before = _snapshot()
    call_command("sync_catalog", provider="openai")
    assert _snapshot() == before


@pytest.mark.django_db
def test_huggingface_sync_reads_provider_prices(fake_upstream):
    pytest.importorskip("providers.adapters.huggingface")
    _provider("huggingface", "huggingface", fake_upstream.base_url("huggingface"))
    call_command("sync_catalog", provider="huggingface")
    call_command("sync_catalog", provider="huggingface")
    llama = AIModel.objects.get(slug="huggingface/meta-llama/Llama-3.1-8B-Instruct")
    assert llama.is_active is False
    assert AIModel.objects.filter(provider__slug="huggingface").count() == 2


@pytest.mark.django_db
def test_ollama_sync_imports_local_models_as_free(fake_upstream):
    pytest.importorskip("providers.adapters.ollama")
    _provider("ollama", "ollama", fake_upstream.base_url("ollama"))
    call_command("sync_catalog", provider="ollama")
    before = _snapshot()
    call_command("sync_catalog", provider="ollama")
    assert _snapshot() == before
    local = AIModel.objects.get(slug="ollama/llama3.2")  # ":latest" is the tag Ollama assumes
    assert (local.is_free, local.input_price_per_1m) == (True, Decimal("0"))


@pytest.mark.django_db
def test_sync_refuses_a_provider_without_a_model_list():
    call_command("seed_catalog")
    with pytest.raises(CommandError):
        call_command("sync_catalog", provider="minimax")
