"""The battle's own door: hidden models stream through the one generation path, names kept back until
the one vote; owners only."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from arena.models import Battle, BattleStatus, Vote
from tests.playground.conftest import parse_sse
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
SLUGS = ("demo/swift", "demo/deliberate", "demo/echo")


def _start(client, prompt: str = "Explain caching", count: int = 2) -> tuple[Battle, str]:
    response = client.post("/arena/battles", {"prompt": prompt, "count": count})
    assert response.status_code == 302, response.content
    battle = Battle.objects.latest("created_at")
    assert response["Location"] == battle.get_absolute_url()
    return battle, client.get(response["Location"]).content.decode()


async def _events(user, html: str) -> tuple[list[dict], bytes]:
    url = re.search(r'data-stream-url="([^"]+)"', html).group(1)
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(url)
    assert response["Content-Type"] == "text/event-stream"
    raw = b"".join([chunk async for chunk in response.streaming_content])
    return parse_sse(raw.decode()), raw


async def test_hidden_models_stream_blind_and_are_revealed_after_the_one_vote(client, alice, demo_pool):
    await sync_to_async(client.force_login)(alice)
    battle, html = await sync_to_async(_start)(client)
    assert not any(slug in html for slug in SLUGS) and "Demo Swift" not in html
    assert re.search(r'<fieldset id="vote"\s+disabled', html)  # nothing to vote on yet

    events, raw = await _events(alice, html)
    assert not any(slug.encode() in raw for slug in SLUGS)  # no name, fallback or price on the wire
    assert not any(e["type"] == "metrics" for e in events)
    chunks = {
        label: "".join(e["content"] for e in events if e["type"] == "chunk" and e["model"] == label) for label in "AB"
    }
    assert all(chunks.values())
    assert events[-1]["type"] == "done"

    # Metered like any call: one ledger row per hidden model, priced, from the playground door.
    rows = [g async for g in Generation.objects.filter(user=alice).order_by("created_at")]
    assert len(rows) == 2 and all(g.cost and g.cost > 0 and g.door == "playground" for g in rows)
    await battle.arefresh_from_db()
    assert battle.status == BattleStatus.READY

    page = (await sync_to_async(client.get)(battle.get_absolute_url())).content.decode()
    assert not any(slug in page for slug in SLUGS)
    assert not re.search(r'<fieldset id="vote"\s+disabled', page)

    voted = await sync_to_async(client.post)(f"/arena/b/{battle.pk}/vote", {"choice": "a"})
    assert voted.status_code == 303
    page = (await sync_to_async(client.get)(battle.get_absolute_url())).content.decode()
    contestants = [c async for c in battle.contestants.order_by("position")]
    for c in contestants:
        assert c.model_slug in page
    assert "A is better" in page and "$0.0000" in page

    again = await sync_to_async(client.post)(f"/arena/b/{battle.pk}/vote", {"choice": "b"}, follow=True)
    assert "already been voted" in again.content.decode()
    assert (await Vote.objects.aget(battle=battle)).choice == "a"


async def test_a_second_turn_goes_to_the_same_hidden_models(client, alice, demo_pool):
    await sync_to_async(client.force_login)(alice)
    battle, html = await sync_to_async(_start)(client, "First question")
    await _events(alice, html)
    sent = await sync_to_async(client.post)(f"/arena/b/{battle.pk}/send", {"prompt": "Second question"})
    assert sent.status_code == 302
    page = (await sync_to_async(client.get)(battle.get_absolute_url())).content.decode()
    await _events(alice, page)
    rows = [g async for g in Generation.objects.filter(user=alice).order_by("created_at")]
    assert len(rows) == 4
    assert {g.model_slug for g in rows[:2]} == {g.model_slug for g in rows[2:]}
    second = [g for g in rows[2:] if g.input_messages[0]["content"] == "First question"]
    assert len(second) == 2 and all(
        [m["role"] for m in g.input_messages] == ["user", "assistant", "user"] for g in second
    )


def test_a_battle_is_its_owners_alone(client, alice, bob, demo_pool):
    client.force_login(alice)
    battle, html = _start(client)
    stream_url = re.search(r'data-stream-url="([^"]+)"', html).group(1)
    stop_url = re.search(r'data-stop-url="([^"]+)"', html).group(1)
    client.force_login(bob)
    assert client.get(battle.get_absolute_url()).status_code == 404
    assert client.post(f"/arena/b/{battle.pk}/vote", {"choice": "a"}).status_code == 404
    assert client.post(f"/arena/b/{battle.pk}/send", {"prompt": "x"}).status_code == 404
    assert client.post(stop_url, {"slot": "A"}).status_code == 404
    assert client.get(stream_url).status_code == 404
    client.logout()
    assert client.get(battle.get_absolute_url()).status_code == 302  # to the login page
    assert not Vote.objects.exists()


def test_a_battle_needs_enough_models_in_the_pool(client, alice, demo_pool):
    client.force_login(alice)
    response = client.post("/arena/battles", {"prompt": "Hi", "count": 4}, follow=True)
    assert "has 3 usable model(s); this battle needs 4" in response.content.decode()
    assert not Battle.objects.exists()


async def test_stop_ends_one_hidden_model_and_the_vote_still_opens(client, alice, demo_pool):
    await sync_to_async(client.force_login)(alice)
    battle, html = await sync_to_async(_start)(client)
    stop_url = re.search(r'data-stop-url="([^"]+)"', html).group(1)
    assert (await sync_to_async(client.post)(stop_url, {"slot": "A"})).status_code == 204
    events, _ = await _events(alice, html)
    finals = {e["model"]: e["status"] for e in events if e["type"] == "status" and e["status"] in ("done", "cancelled")}
    assert finals == {"A": "cancelled", "B": "done"}
    a = await battle.contestants.aget(position=0)
    answer = await a.answers.select_related("generation").aget()
    assert answer.status == "cancelled" and answer.generation.status == "cancelled"  # recorded, and charged as such
    await battle.arefresh_from_db()
    assert battle.status == BattleStatus.READY
