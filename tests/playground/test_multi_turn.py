"""A new chat becomes one conversation with its first answer: every later message follows on from it."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from playground.models import Conversation
from tests.playground.conftest import sse_events
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
UPSTREAM = "gpt-4o-mini@latency=1"  # a model string of this test's own on the fake


def _send(client, data: dict) -> str:
    response = client.post("/playground/send", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content
    return response.content.decode()


def _page_state(html: str) -> dict[str, str]:
    """What the page keeps after a send: the composer's conversation field (swapped out of band)."""
    found = re.search(r'<input type="hidden" id="conversation-field" name="conversation" value="([^"]*)"', html)
    return {"conversation": found.group(1)} if found else {}


async def _stream(user, html: str) -> list[dict]:
    client = AsyncClient()
    await client.aforce_login(user)
    url = re.search(r'data-stream-url="([^"]+)"', html).group(1)
    return await sse_events(await client.get(url))


async def test_three_messages_in_a_new_chat_are_one_conversation_of_three_turns(
    client, alice, make_model, fake_upstream
):
    model = await sync_to_async(make_model)(UPSTREAM, slug="fakeai/multi")
    await sync_to_async(client.force_login)(alice)
    state: dict[str, str] = {}  # what the page's composer holds, as the browser would keep it
    answers = []
    for prompt in ("Name a river", "How long is it", "Which sea does it reach"):
        html = await sync_to_async(_send)(client, {"prompt": prompt, "models": [model.slug], **state})
        state |= _page_state(html)
        events = await _stream(alice, html)
        answers.append("".join(e["content"] for e in events if e["type"] == "chunk"))

    conversation = await Conversation.objects.aget(owner=alice)
    assert state["conversation"] == str(conversation.pk)
    turns = [g.turn async for g in Generation.objects.filter(conversation=conversation).order_by("turn")]
    assert turns == [0, 1, 2]
    sent = (await sync_to_async(fake_upstream.last_body)("openai", UPSTREAM))["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [
        ("user", "Name a river"),
        ("assistant", answers[0]),
        ("user", "How long is it"),
        ("assistant", answers[1]),
        ("user", "Which sea does it reach"),
    ]


def test_the_first_send_tells_the_page_its_conversation(client, alice, make_model):
    make_model(UPSTREAM, slug="fakeai/multi")
    Conversation.objects.create(owner=alice, title="An older chat")
    client.force_login(alice)
    response = client.post(
        "/playground/send", {"prompt": "Hello there", "models": ["fakeai/multi"]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    conversation = Conversation.objects.get(title="Hello there")
    assert response["HX-Push-Url"] == conversation.get_absolute_url()
    assert _page_state(html) == {"conversation": str(conversation.pk)}
    sidebar = re.search(r'<ul class="conv-list" id="conv-list" hx-swap-oob="true">(.*?)</ul>', html, re.S).group(1)
    assert sidebar.index("Hello there") < sidebar.index("An older chat")
    assert 'id="conv-header" hx-swap-oob="true"' in html and "Export Markdown" in html
    # A follow-up in the same conversation changes none of these.
    again = client.post(
        "/playground/send",
        {"prompt": "More", "models": ["fakeai/multi"], "conversation": str(conversation.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert "hx-swap-oob" not in again.content.decode() and "HX-Push-Url" not in again


def test_a_model_that_needs_a_key_is_refused_before_anything_is_stored(client, alice):
    from tests.factories import AIModelFactory, ProviderFactory

    openai = ProviderFactory(slug="openai", name="OpenAI", adapter_kind="openai", api_key="")
    AIModelFactory(provider=openai, upstream_id="gpt-4o-mini", slug="openai/gpt-4o-mini", display_name="GPT-4o mini")
    client.force_login(alice)
    response = client.post(
        "/playground/send", {"prompt": "Hi", "models": ["openai/gpt-4o-mini"]}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Retarget"] == "#send-errors"
    assert "GPT-4o mini: OpenAI needs an API key" in response.content.decode()
    assert not Conversation.objects.exists()
