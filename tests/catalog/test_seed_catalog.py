from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import AIModel, Category, ModelFallback, Provider

BUILT_INS = {"openai", "openrouter", "huggingface", "minimax", "ollama", "demo"}


def _counts() -> tuple[int, int, int, int]:
    return Provider.objects.count(), Category.objects.count(), AIModel.objects.count(), ModelFallback.objects.count()


@pytest.mark.django_db
def test_seeding_twice_gives_the_same_catalog():
    call_command("seed_catalog")
    first = _counts()
    stamps = dict(AIModel.objects.values_list("slug", "updated_at"))
    call_command("seed_catalog")
    assert _counts() == first
    assert dict(AIModel.objects.values_list("slug", "updated_at")) == stamps


@pytest.mark.django_db
def test_the_shipped_catalog_covers_all_six_providers_with_dated_prices():
    call_command("seed_catalog")
    assert AIModel.objects.count() >= 40
    assert set(Provider.objects.values_list("slug", flat=True)) >= BUILT_INS
    assert set(AIModel.objects.values_list("provider__slug", flat=True)) >= BUILT_INS
    assert not AIModel.objects.filter(price_date__isnull=True).exists()
    assert not AIModel.objects.filter(price_source="").exists()


@pytest.mark.django_db
def test_demo_models_are_priced_so_cost_shows_offline():
    call_command("seed_catalog")
    swift = AIModel.objects.get(slug="demo/swift")
    assert (swift.input_price_per_1m, swift.output_price_per_1m) == (Decimal("0.10"), Decimal("0.40"))
    assert AIModel.objects.get(slug="demo/reel").price_per_video_second == Decimal("0.05")
    assert AIModel.objects.get(slug="demo/deliberate").ordered_fallbacks() == [swift]


@pytest.mark.django_db
def test_only_local_and_free_tier_models_cost_zero():
    call_command("seed_catalog")
    zero = AIModel.objects.filter(input_price_per_1m=0)
    assert zero.exists()
    assert all(m.is_free for m in zero)
    assert not AIModel.objects.filter(is_free=False, input_price_per_1m=0).exists()


@pytest.mark.django_db
def test_reseeding_keeps_an_admins_choices_and_prices():
    call_command("seed_catalog")
    AIModel.objects.filter(slug="openai/gpt-4o").update(is_active=False, featured=False, input_price_per_1m=9)
    Provider.objects.filter(slug="openai").update(enabled=False, base_url="https://gateway.example.com/v1")
    call_command("seed_catalog")
    model = AIModel.objects.get(slug="openai/gpt-4o")
    assert (model.is_active, model.featured, model.input_price_per_1m) == (False, False, Decimal("9"))
    provider = Provider.objects.get(slug="openai")
    assert (provider.enabled, provider.base_url) == (False, "https://gateway.example.com/v1")


@pytest.mark.django_db
def test_every_shipped_row_passes_model_validation():
    # SQLite ignores max_length; this catches a too-long value before PostgreSQL does.
    call_command("seed_catalog")
    for row in [*Provider.objects.all(), *Category.objects.all(), *AIModel.objects.all()]:
        row.full_clean()
