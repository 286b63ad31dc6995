"""Replay: a past conversation's prompts, or a set of prompts, re-run blind in the arena and metered."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from arena.models import Battle
from playground.models import Conversation
from tests.factories import GenerationFactory
from tests.playground.conftest import parse_sse
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def past_conversation(alice, demo_pool):
    swift = demo_pool[0]
    conversation = Conversation.objects.create(owner=alice, title="Rivers", models=[swift.slug])
    history = [{"role": "user", "content": "Name a long river"}]
    GenerationFactory(user=alice, model=swift, conversation=conversation, turn=0, input_messages=history)
    history = [*history, {"role": "assistant", "content": "The Nile."}, {"role": "user", "content": "And a short one?"}]
    GenerationFactory(user=alice, model=swift, conversation=conversation, turn=1, input_messages=history)
    return conversation


async def _stream(user, html: str) -> list[dict]:
    url = re.search(r'data-stream-url="([^"]+)"', html).group(1)
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(url)
    return parse_sse(b"".join([c async for c in response.streaming_content]).decode())


async def test_a_past_conversation_is_replayed_turn_by_turn_against_other_models(client, alice, past_conversation):
    await sync_to_async(client.force_login)(alice)
    before = await Generation.objects.filter(user=alice).acount()
    response = await sync_to_async(client.post)("/arena/replay", {"conversation": str(past_conversation.pk)})
    assert response.status_code == 302
    battle = await Battle.objects.aget(user=alice)
    slugs = {c.model_slug async for c in battle.contestants.all()}
    assert "demo/swift" in slugs and len(slugs) == 2  # the original model, blind, against another
    assert battle.replay_of_id == past_conversation.pk
    html = (await sync_to_async(client.get)(battle.get_absolute_url())).content.decode()
    assert "Name a long river" in html
    assert ">And a short one?</textarea>" in html  # the next prompt waits in the composer

    await _stream(alice, html)
    assert await Generation.objects.filter(user=alice).acount() == before + 2  # metered like any call
    await sync_to_async(client.post)(f"/arena/b/{battle.pk}/send", {"prompt": "And a short one?"})
    await battle.arefresh_from_db()
    assert battle.pending_prompts == []
    html = (await sync_to_async(client.get)(battle.get_absolute_url())).content.decode()
    await _stream(alice, html)
    latest = [g async for g in Generation.objects.filter(user=alice).order_by("-created_at")[:2]]
    assert all(g.input_messages[0]["content"] == "Name a long river" for g in latest)
    assert all(g.input_messages[-1]["content"] == "And a short one?" for g in latest)


def test_a_set_of_prompts_is_replayed_one_turn_each(client, alice, demo_pool):
    client.force_login(alice)
    client.post("/arena/replay", {"prompts": "First prompt\n\n  Second prompt \nThird prompt", "count": 3})
    battle = Battle.objects.get(user=alice)
    assert battle.contestants.count() == 3
    assert list(battle.turns.values_list("prompt", flat=True)) == ["First prompt"]
    assert battle.pending_prompts == ["Second prompt", "Third prompt"]


def test_someone_elses_conversation_cannot_be_replayed(client, bob, past_conversation):
    client.force_login(bob)
    assert client.post("/arena/replay", {"conversation": str(past_conversation.pk)}).status_code == 404
    assert not Battle.objects.exists()


def test_nothing_to_replay_says_so(client, alice, demo_pool):
    client.force_login(alice)
    response = client.post("/arena/replay", {"prompts": "  \n "}, follow=True)
    assert "There is no prompt to replay." in response.content.decode()
