from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.factories import AIModelFactory, CategoryFactory, ProviderFactory


@pytest.fixture
def catalog(db):
    openai = ProviderFactory(slug="openai", name="OpenAI", adapter_kind="openai")
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    code = CategoryFactory(slug="code", name="Code")
    return {
        "mini": AIModelFactory(
            provider=openai, upstream_id="gpt-4o-mini", display_name="GPT-4o mini", input_price_per_1m=Decimal("0.15")
        ),
        "coder": AIModelFactory(
            provider=openai, upstream_id="gpt-4.1", display_name="GPT-4.1", category=code, capabilities=["code"]
        ),
        "swift": AIModelFactory(
            provider=demo, upstream_id="swift", display_name="Demo Swift", input_price_per_1m=Decimal("0.10")
        ),
        "hidden": AIModelFactory(provider=demo, upstream_id="secret", display_name="Hidden", is_active=False),
    }


def _slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["data"]["items"]]


def test_the_list_is_paged_in_the_envelope_and_hides_inactive_models(api, catalog):
    response = api.get("/api/models", {"limit": 2})
    body = response.json()
    assert response.status_code == 200 and body["success"] is True
    assert body["data"]["pagination"] == {
        "page": 1,
        "limit": 2,
        "total": 3,
        "pages": 2,
        "has_next": True,
        "has_prev": False,
    }
    assert _slugs(api.get("/api/models", {"page": 2, "limit": 2})) == ["openai/gpt-4o-mini"]
    assert "demo/secret" not in _slugs(api.get("/api/models"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"provider": "demo"}, ["demo/swift"]),
        ({"category": "code"}, ["openai/gpt-4.1"]),
        ({"search": "mini"}, ["openai/gpt-4o-mini"]),
        ({"sort": "price", "order": "asc"}, ["demo/swift", "openai/gpt-4o-mini", "openai/gpt-4.1"]),
        ({"sort": "name", "order": "desc"}, ["openai/gpt-4o-mini", "openai/gpt-4.1", "demo/swift"]),
        ({"max_price": "0.12"}, ["demo/swift"]),
        ({"capability": "code"}, ["openai/gpt-4.1"]),
    ],
)
def test_the_list_filters_and_sorts(api, catalog, params, expected):
    assert _slugs(api.get("/api/models", params)) == expected


def test_bad_parameters_are_a_validation_error(api, catalog):
    response = api.get("/api/models", {"limit": 500, "sort": "colour"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and set(error["details"]) == {"limit", "sort"}


def test_a_model_is_found_by_id_or_by_slug_with_pricing(api, catalog):
    by_slug = api.get("/api/models/openai/gpt-4o-mini").json()["data"]
    by_id = api.get(f"/api/models/{catalog['mini'].pk}").json()["data"]
    assert by_slug == by_id
    assert by_slug["pricing"]["input_per_1m"] == "0.15"
    assert by_slug["provider"] == {"slug": "openai", "name": "OpenAI"}
    assert by_slug["parameters"]["temperature"]["max"] == 2.0


def test_an_unknown_or_hidden_model_is_a_404_envelope(api, catalog):
    for path in ("/api/models/nope/missing", "/api/models/demo/secret", "/api/models/999999"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_categories_come_with_model_counts(api, catalog):
    categories = api.get("/api/models/categories").json()["data"]["categories"]
    assert [(c["slug"], c["model_count"]) for c in categories] == [("code", 1)]


def test_trending_falls_back_to_featured_models_without_usage(api, catalog):
    catalog["swift"].featured = True
    catalog["swift"].save()
    assert _slugs(api.get("/api/models/trending")) == ["demo/swift"]


def test_trending_ranks_by_generations_of_the_last_seven_days(api, catalog, alice):
    generation = pytest.importorskip("usage.models").Generation
    for model, count in ((catalog["mini"], 1), (catalog["coder"], 3)):
        for _ in range(count):
            generation.objects.create(user=alice, model=model, requested_model=model.slug)
    assert _slugs(api.get("/api/models/trending"))[:2] == ["openai/gpt-4.1", "openai/gpt-4o-mini"]


@pytest.mark.django_db
def test_the_spec_endpoint_lists_seeded_models_in_the_spec_shape(api):
    call_command("seed_catalog")
    models = api.get("/api/v1/ai/models").json()["data"]["models"]
    assert len(models) >= 40
    swift = next(m for m in models if m["id"] == "demo/swift")
    assert {"id", "name", "description", "max_tokens", "supported_endpoints", "pricing"} <= set(swift)
    assert (swift["provider"], swift["kind"], swift["status"]) == ("demo", "chat", "active")
    assert swift["pricing"]["per_1k_tokens"] == pytest.approx(0.0001)
    unpriced = next(m for m in models if m["id"] == "huggingface/Qwen/Qwen2.5-72B-Instruct")
    assert unpriced["pricing"]["unpriced"] is True and unpriced["pricing"]["per_1k_tokens"] is None
