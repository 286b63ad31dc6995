"""The AI Pasta plan's user API (003, "User Endpoints"): `/api/users/history` (and all of it as CSV),
`/api/users/favorites`, `/api/users/stats`; for the signed-in user only, never through an API key."""

import csv
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.factories import GenerationFactory
from tests.spec.conftest import SPEC_CHAT
from usage.models import Generation

pytestmark = pytest.mark.django_db

# The plan's history item: {"id", "modelName", "prompt", "output", "cost", "createdAt"}.
SPEC_HISTORY_FIELDS = {"id", "modelName", "prompt", "output", "cost", "createdAt"}


@pytest.fixture
def bob_api(bob, jwt_for) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    return client


def _ask(client, question: str) -> None:
    body = {**SPEC_CHAT, "messages": [{"role": "user", "content": question}]}
    assert client.post("/api/v1/ai/chat", body, format="json").status_code == 200


def test_history_lists_the_callers_generations_in_the_plans_names(alice_api, bob_api, minimax):
    _ask(alice_api, "What is a river?")
    _ask(alice_api, "What is a lake?")
    _ask(bob_api, "Bob's own question")

    page = alice_api.get("/api/users/history", {"limit": 1}).json()["data"]

    [item] = page["items"]
    assert set(item) >= SPEC_HISTORY_FIELDS
    newest = Generation.objects.filter(user__username="alice").order_by("-created_at").first()
    assert (item["id"], item["modelName"], item["prompt"]) == (str(newest.pk), "minimax/MiniMax-M2", "What is a lake?")
    assert item["output"] == newest.content and Decimal(item["cost"]) == newest.cost
    assert page["pagination"]["total"] == 2 and page["pagination"]["has_next"] is True


def test_history_filters_by_model(alice, alice_api):
    GenerationFactory(user=alice)
    wanted = GenerationFactory(user=alice)

    items = alice_api.get("/api/users/history", {"model": wanted.model_slug}).json()["data"]["items"]

    assert [i["id"] for i in items] == [str(wanted.pk)]


def test_history_as_csv_has_every_row_and_defuses_formulas(alice, bob, alice_api):
    GenerationFactory(user=alice, input_messages=[{"role": "user", "content": "=HYPERLINK(\"http://x\")"}],
                      content="Plain answer, with a comma")  # fmt: skip
    GenerationFactory(user=alice, content="@SUM(A1:A2)", cost=None)
    GenerationFactory(user=bob, content="Bob's answer")

    response = alice_api.get("/api/users/history.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="switchboard-history.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    by_output = {r["output"]: r for r in rows}
    assert by_output["Plain answer, with a comma"]["prompt"] == "'=HYPERLINK(\"http://x\")"
    assert "'@SUM(A1:A2)" in by_output and by_output["'@SUM(A1:A2)"]["cost"] == ""


def test_favorites_are_added_listed_and_removed_through_the_api(alice_api, bob_api, minimax):
    added = alice_api.post("/api/users/favorites", {"model": "minimax"}, format="json")
    again = alice_api.post("/api/users/favorites", {"model": "minimax/MiniMax-M2"}, format="json")

    assert added.status_code == 201 and again.status_code == 200
    assert added.json()["data"]["model"]["slug"] == "minimax/MiniMax-M2"
    assert [m["slug"] for m in alice_api.get("/api/users/favorites").json()["data"]["favorites"]] == [minimax.slug]
    assert bob_api.get("/api/users/favorites").json()["data"]["favorites"] == []
    assert bob_api.delete(f"/api/users/favorites/{minimax.slug}").status_code == 404  # not bob's favourite

    assert alice_api.delete(f"/api/users/favorites/{minimax.slug}").status_code == 200
    assert alice_api.get("/api/users/favorites").json()["data"]["favorites"] == []
    assert alice_api.get(f"/models/{minimax.slug}/").status_code == 200


def test_an_unknown_or_hidden_model_cannot_be_a_favorite(alice_api, minimax):
    minimax.is_active = False
    minimax.save()

    for name in ("minimax/MiniMax-M2", "nothing/at-all"):
        response = alice_api.post("/api/users/favorites", {"model": name}, format="json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_stats_agree_with_the_ledger(alice, alice_api, minimax):
    _ask(alice_api, "One")
    _ask(alice_api, "Two")
    alice_api.post("/api/users/favorites", {"model": "minimax"}, format="json")

    stats = alice_api.get("/api/users/stats").json()["data"]

    rows = Generation.objects.filter(user=alice)
    assert stats["usage"]["totalGenerations"] == rows.count() == 2
    assert stats["usage"]["tokensUsed"] == sum(r.total_tokens for r in rows)
    assert Decimal(stats["usage"]["totalCost"]) == sum(r.cost for r in rows)
    assert stats["quota"]["daily"]["used"] == 2 and stats["favorites"] == 1


@pytest.mark.parametrize("path", ["/api/users/history", "/api/users/history.csv", "/api/users/stats",
                                  "/api/users/favorites"])  # fmt: skip
def test_the_user_api_is_refused_to_api_keys_and_anonymous_callers(path, alice_keyed):
    assert alice_keyed.get(path).status_code == 403
    anonymous = APIClient().get(path)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_the_history_page_offers_the_csv_and_a_signed_in_browser_gets_it(client, alice):
    GenerationFactory(user=alice, content="From the browser")
    client.force_login(alice)

    page = client.get("/playground/history/")
    response = client.get("/api/users/history.csv")

    assert b'href="/api/users/history.csv"' in page.content
    assert response.status_code == 200 and "From the browser" in b"".join(response.streaming_content).decode()
