from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import Favorite
from tests.factories import AIModelFactory, FavoriteFactory, ProviderFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def models(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    openai = ProviderFactory(slug="openai", name="OpenAI", adapter_kind="openai")
    return {
        "swift": AIModelFactory(provider=demo, upstream_id="swift", display_name="Demo Swift"),
        "echo": AIModelFactory(
            provider=demo,
            upstream_id="echo",
            display_name="Demo Echo",
            is_free=True,
            input_price_per_1m=Decimal(0),
            output_price_per_1m=Decimal(0),
        ),
        "mini": AIModelFactory(provider=openai, upstream_id="gpt-4o-mini", display_name="GPT-4o mini"),
        "unpriced": AIModelFactory(
            provider=openai, upstream_id="mystery", display_name="Mystery", input_price_per_1m=None
        ),
    }


def test_discovery_shows_cards_with_provider_prices_and_badges(client, models):
    response = client.get("/models/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Demo Swift" in html and "GPT-4o mini" in html
    assert "$1.00" in html and "Free" in html and "unpriced" in html
    assert "Sign in</a> to save favorites" in html


def test_filters_in_the_url_narrow_the_grid(client, models):
    html = client.get("/models/", {"provider": "demo", "free": "on"}).content.decode()
    assert "Demo Echo" in html
    assert "Demo Swift" not in html and "GPT-4o mini" not in html
    assert "Mystery" in client.get("/models/", {"q": "myst"}).content.decode()


def test_bad_filter_values_are_ignored_not_an_error(client, models):
    response = client.get("/models/", {"min_price": "lots", "sort": "sideways", "provider": "nope"})
    assert response.status_code == 200
    assert "Demo Swift" in response.content.decode()


def test_an_htmx_request_gets_only_the_results_partial(client, models):
    response = client.get("/models/", {"provider": "openai"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and 'role="search"' not in html
    assert "GPT-4o mini" in html and "Demo Swift" not in html
    assert "HX-Request" in response["Vary"]


def test_discovery_makes_a_fixed_number_of_queries(client, alice, django_assert_max_num_queries):
    call_command("seed_catalog")
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get("/models/", {"sort": "popularity"})
    assert response.status_code == 200


def test_the_model_page_shows_specs_pricing_and_the_playground_link(client, models):
    html = client.get("/models/demo/swift/").content.decode()
    assert "Demo Swift" in html and "Price date" in html and "temperature" in html
    assert "/playground/?model=demo/swift" in html
    assert "No generations yet" in html


def test_the_model_page_shows_latency_and_success_rate_from_generations(client, models, alice):
    generation = pytest.importorskip("usage.models").Generation
    for status, ms in (("success", 100), ("success", 300), ("error", 200)):
        generation.objects.create(
            user=alice, model=models["swift"], requested_model="demo/swift", status=status, duration_ms=ms
        )
    html = client.get("/models/demo/swift/").content.decode()
    assert "66.7%" in html and "200 ms" in html


def test_a_hidden_model_page_is_not_found_for_users(client, models, alice):
    AIModelFactory(provider=models["swift"].provider, upstream_id="soon", is_active=False)
    client.force_login(alice)
    assert client.get("/models/demo/soon/").status_code == 404
    assert client.get("/models/nope/missing/").status_code == 404


def test_a_signed_in_user_toggles_a_favorite(client, models, alice):
    client.force_login(alice)
    response = client.post("/models/favorite/demo/swift", **HTMX)
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert Favorite.objects.filter(user=alice, model=models["swift"]).exists()
    response = client.post("/models/favorite/demo/swift", **HTMX)
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Favorite.objects.filter(user=alice).exists()


def test_favorites_belong_to_their_owner(client, models, alice, bob):
    FavoriteFactory(user=bob, model=models["mini"])
    client.force_login(alice)
    assert "GPT-4o mini" not in client.get("/models/favorites/").content.decode()
    client.post("/models/favorite/openai/gpt-4o-mini")
    assert Favorite.objects.filter(user=bob, model=models["mini"]).exists()
    assert "GPT-4o mini" in client.get("/models/favorites/").content.decode()
    cards = client.get("/models/").content.decode()
    assert cards.count('aria-pressed="true"') == 1


def test_an_anonymous_visitor_is_sent_to_sign_in(client, models):
    response = client.post("/models/favorite/demo/swift")
    assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post("/models/favorite/demo/swift", **HTMX)
    assert "/login" in response["HX-Redirect"]
    assert not Favorite.objects.exists()
    assert client.get("/models/favorites/").status_code == 302
