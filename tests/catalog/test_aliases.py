"""The product spec's short model names: a provider's name means its default chat model, a bare upstream id
that one model has means that model."""

import pytest
from django.core.management import call_command

from catalog.models import AIModel, Provider
from catalog.selectors import ModelNotFound, catalog_changed, model_aliases, model_chain, resolve_model_name
from tests.factories import AIModelFactory, ProviderFactory, UserFactory


@pytest.fixture
def seeded(db):
    call_command("seed_catalog", verbosity=0)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("minimax", "minimax/MiniMax-M2"),  # the spec's own chat example
        ("MiniMax", "minimax/MiniMax-M2"),
        ("openai", "openai/gpt-4o-mini"),
        ("demo", "demo/swift"),
        ("gpt-4o-mini", "openai/gpt-4o-mini"),
        ("text-embedding-3-large", "openai/text-embedding-3-large"),
        ("openrouter/openai/gpt-4o-mini", "openrouter/openai/gpt-4o-mini"),
        ("openai/gpt-4o-mini", "openai/gpt-4o-mini"),  # a slug wins over the OpenRouter upstream id
    ],
)
def test_short_names_resolve_to_the_model_they_mean(seeded, name, slug):
    assert resolve_model_name(name).slug == slug


def test_the_gateway_chain_accepts_the_spec_names(seeded):
    assert model_chain("minimax")[0].slug == "minimax/MiniMax-M2"


def test_an_ambiguous_upstream_id_names_the_candidates(db):
    for slug in ("ollama", "lab"):
        AIModelFactory(provider=ProviderFactory(slug=slug), upstream_id="llama3.2")
    with pytest.raises(ModelNotFound) as caught:
        resolve_model_name("llama3.2")
    assert caught.value.candidates == ["lab/llama3.2", "ollama/llama3.2"]
    assert str(caught.value) == '"llama3.2" could be any of lab/llama3.2, ollama/llama3.2: use the full name.'


def test_an_unknown_name_is_not_found(seeded):
    with pytest.raises(ModelNotFound, match='No model is named "gpt-9"'):
        resolve_model_name("gpt-9")


def test_a_provider_without_a_default_lists_its_chat_models(db):
    lab = ProviderFactory(slug="lab", name="Lab")
    AIModelFactory(provider=lab, upstream_id="b")
    AIModelFactory(provider=lab, upstream_id="a")
    AIModelFactory(provider=lab, upstream_id="e", kind="embedding")
    with pytest.raises(ModelNotFound) as caught:
        resolve_model_name("lab")
    assert caught.value.candidates == ["lab/a", "lab/b"]


def test_an_admin_changes_the_default_model_in_the_admin(seeded, client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    minimax = Provider.objects.get(slug="minimax")
    form = {"slug": "minimax", "name": "MiniMax", "adapter_kind": "minimax", "enabled": "on", "notes": ""}
    hailuo = minimax.models.get(upstream_id="MiniMax-Hailuo-02")
    response = client.post(f"/admin/catalog/provider/{minimax.pk}/change/", {**form, "default_model": hailuo.pk})
    assert response.status_code == 200  # a video model is not among the choices
    assert "Select a valid choice" in response.content.decode()
    other = AIModelFactory(provider=minimax, upstream_id="MiniMax-M2.1")
    response = client.post(f"/admin/catalog/provider/{minimax.pk}/change/", {**form, "default_model": other.pk})
    assert response.status_code == 302
    assert resolve_model_name("minimax").slug == "minimax/MiniMax-M2.1"
    assert model_aliases()["minimax"] == "minimax/MiniMax-M2.1"


def test_a_hidden_default_model_is_not_what_the_name_means(seeded):
    AIModel.objects.filter(slug="demo/swift").update(is_active=False)
    catalog_changed()
    with pytest.raises(ModelNotFound) as caught:
        resolve_model_name("demo")
    assert "demo/deliberate" in caught.value.candidates


def test_aliases_are_listed_for_clients(seeded, api):
    aliases = model_aliases()
    assert aliases["minimax"] == "minimax/MiniMax-M2"
    assert aliases["gpt-4o-mini"] == "openai/gpt-4o-mini"
    assert "openai/gpt-4o-mini" not in aliases  # already a slug: not an alias
    body = api.get("/api/v1/ai/models").json()["data"]
    assert body["aliases"] == aliases
    mini = next(m for m in body["models"] if m["id"] == "minimax/MiniMax-M2")
    assert "minimax" in mini["aliases"]
