"""Deep lists by cursor (`/api/v1/usage`, the history page) and history search by full text, kept
on write by the turn that adds the words."""

import base64
from datetime import timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from playground.models import Conversation
from playground.pages.chat import _next_turn
from tests.factories import GenerationFactory

pytestmark = pytest.mark.django_db


def test_usage_walks_by_cursor_through_every_row_once(alice, alice_keyed, bob):
    now = timezone.now()
    mine = [GenerationFactory(user=alice, created_at=now - timedelta(minutes=i % 7)) for i in range(23)]
    GenerationFactory(user=bob)
    first = alice_keyed.get("/api/v1/usage?limit=10&cursor=").json()["data"]
    assert first["pagination"]["has_next"] and first["pagination"]["next_cursor"]
    seen, cursor = [i["id"] for i in first["items"]], first["pagination"]["next_cursor"]
    while cursor:
        page = alice_keyed.get("/api/v1/usage", {"limit": 10, "cursor": cursor}).json()["data"]
        assert "total" not in page["pagination"]  # no count on deep pages
        seen += [i["id"] for i in page["items"]]
        cursor = page["pagination"]["next_cursor"]
    newest_first = sorted(mine, key=lambda g: (g.created_at, str(g.pk)), reverse=True)
    assert seen == [str(g.pk) for g in newest_first]
    by_page = [
        i["id"] for p in (1, 2, 3) for i in alice_keyed.get(f"/api/v1/usage?limit=10&page={p}").json()["data"]["items"]
    ]
    assert by_page == seen


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", base64.urlsafe_b64encode(b'["2026-01-01T00:00:00", "not-a-uuid", true]').decode(), "W10"],
)
def test_a_forged_cursor_is_a_validation_error(alice_keyed, cursor):
    response = alice_keyed.get("/api/v1/usage", {"cursor": cursor})
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_history_pages_by_cursor(client, alice):
    start = timezone.now()
    for i in range(45):
        c = Conversation.objects.create(owner=alice, title=f"Talk {i:02d}")
        Conversation.objects.filter(pk=c.pk).update(updated_at=start - timedelta(minutes=i))
    client.force_login(alice)
    page = client.get(reverse("playground:history")).content.decode()
    titles = []
    while True:
        titles += [f"Talk {i:02d}" for i in range(45) if f">Talk {i:02d}<" in page]
        if "?cursor=" not in page:
            break
        cursor = page.split("?cursor=")[1].split('"')[0].split("&")[0]
        page = client.get(reverse("playground:history"), {"cursor": cursor}).content.decode()
    assert titles == [f"Talk {i:02d}" for i in range(45)]
    assert client.get(reverse("playground:history"), {"cursor": "forged"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_search_finds_a_streamed_turns_words_and_forgets_an_edited_one(
    app_server, client, alice, alice_key, chat_model
):
    with httpx.stream(
        "GET", f"{app_server.url}/api/v1/ai/stream", headers={"X-API-Key": alice_key}, timeout=30,
        params={"prompt": "Tell me about the Zambezi", "models": chat_model.slug},
    ) as response:  # fmt: skip
        assert response.status_code == 200
        response.read()
    conversation = Conversation.objects.get(owner=alice)
    client.force_login(alice)
    url = reverse("playground:history")
    Conversation.objects.create(owner=alice, title="Something else")
    found = client.get(url, {"q": "zambezi"}, HTTP_HOST="localhost").content.decode()
    assert str(conversation.pk) in found and "Something else" not in found
    assert "Echo" in conversation.generations.get().content  # the fake upstream echoes; its words count too
    assert str(conversation.pk) in client.get(url, {"q": "echo"}, HTTP_HOST="localhost").content.decode()
    _next_turn(conversation, 0)  # an edit of the first turn takes it out of the conversation
    assert str(conversation.pk) not in client.get(url, {"q": "echo"}, HTTP_HOST="localhost").content.decode()
    assert str(conversation.pk) in client.get(url, {"q": "zambezi"}, HTTP_HOST="localhost").content.decode()  # title


def test_the_page_total_is_the_ledgers_over_closed_and_open_days(alice, alice_keyed):
    from usage.rollups import rollup_days

    today = timezone.localdate()
    old = [GenerationFactory(user=alice, created_at=timezone.now() - timedelta(days=3)) for _ in range(4)]
    GenerationFactory.create_batch(3, user=alice)
    rollup_days(first=today - timedelta(days=5), last=today)  # the old day closes, today stays open
    assert alice_keyed.get("/api/v1/usage?limit=2").json()["data"]["pagination"]["total"] == 7
    by_model = alice_keyed.get("/api/v1/usage", {"model": old[0].model_slug}).json()["data"]["pagination"]
    assert by_model["total"] == 1
    errors = alice_keyed.get("/api/v1/usage", {"status": "error"}).json()["data"]["pagination"]
    assert errors["total"] == 0
