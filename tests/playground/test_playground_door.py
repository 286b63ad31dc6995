"""The playground's own door: a turn is sent, streamed for every model at once, stopped, reopened."""

import re
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from playground.models import Conversation
from tests.factories import AIModelFactory, ProviderFactory
from tests.playground.conftest import sse_events
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
FINAL = ("done", "error", "cancelled")  # a model's last status event


@pytest.fixture
def demo_models(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    swift = AIModelFactory(
        provider=demo,
        upstream_id="swift",
        slug="demo/swift",
        display_name="Demo Swift",
        input_price_per_1m=Decimal("0.10"),
        output_price_per_1m=Decimal("0.40"),
    )
    slow = AIModelFactory(
        provider=demo,
        upstream_id="deliberate",
        slug="demo/deliberate",
        display_name="Demo Deliberate",
        input_price_per_1m=Decimal("1"),
        output_price_per_1m=Decimal("4"),
    )
    return swift, slow


def _send_sync(client, prompt: str, models: list[str], **extra) -> str:
    response = client.post("/playground/send", {"prompt": prompt, "models": models, **extra}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content
    return response.content.decode()


async def _send(client, prompt: str, models: list[str], **extra) -> str:
    return await sync_to_async(_send_sync)(client, prompt, models, **extra)


def _stream_url(html: str) -> str:
    return re.search(r'data-stream-url="([^"]+)"', html).group(1)


async def _events(user, url: str) -> list[dict]:
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(url)
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    return await sse_events(response)


async def test_compare_streams_every_model_and_records_the_turn(client, alice, demo_models):
    await sync_to_async(client.force_login)(alice)
    html = await _send(client, "Explain caching with code", ["demo/swift", "demo/deliberate"], max_tokens="400")
    assert 'data-model="demo/swift"' in html and 'data-model="demo/deliberate"' in html

    events = await _events(alice, _stream_url(html))
    chunks = {
        m: "".join(e["content"] for e in events if e["type"] == "chunk" and e["model"] == m)
        for m in ("demo/swift", "demo/deliberate")
    }
    assert all(chunks.values())
    metrics = {e["model"]: e for e in events if e["type"] == "metrics"}
    assert set(metrics) == {"demo/swift", "demo/deliberate"}
    assert events[-1] == {"type": "done"}
    # The fast model finished before the slow one: neither waits for the other.
    done_order = [e["model"] for e in events if e["type"] == "status" and e["status"] in FINAL]
    assert done_order == ["demo/swift", "demo/deliberate"]

    conversation = await Conversation.objects.aget(owner=alice)
    rows = [g async for g in Generation.objects.filter(conversation=conversation).order_by("model_slug")]
    assert [(g.model_slug, g.turn, g.status, g.door) for g in rows] == [
        ("demo/deliberate", 0, "success", "playground"),
        ("demo/swift", 0, "success", "playground"),
    ]
    assert {g.model_slug: g.content for g in rows} == chunks
    assert all(g.cost and g.cost > 0 for g in rows)
    assert metrics["demo/swift"]["completion_tokens"] == rows[1].completion_tokens


async def test_second_turn_carries_each_models_own_history(client, alice, demo_models):
    await sync_to_async(client.force_login)(alice)
    await _events(alice, _stream_url(await _send(client, "First question", ["demo/swift"])))
    conversation = await Conversation.objects.aget(owner=alice)
    html = await _send(client, "Second question", ["demo/swift"], conversation=str(conversation.pk))
    await _events(alice, _stream_url(html))
    second = await Generation.objects.aget(conversation=conversation, turn=1)
    first = await Generation.objects.aget(conversation=conversation, turn=0)
    await conversation.arefresh_from_db()
    # The conversation's totals add up every turn, not only the last one.
    assert conversation.generation_count == 2
    assert conversation.total_tokens == first.total_tokens + second.total_tokens
    assert conversation.total_cost == first.cost + second.cost
    roles = [m["role"] for m in second.input_messages]
    assert roles == ["user", "assistant", "user"]
    assert second.input_messages[0]["content"] == "First question"
    assert second.input_messages[-1]["content"] == "Second question"


async def test_stopping_one_model_keeps_what_arrived_and_lets_the_other_finish(client, alice, demo_models):
    await sync_to_async(client.force_login)(alice)
    html = await _send(client, "Tell me about rivers", ["demo/swift", "demo/deliberate"], max_tokens="2000")
    url = _stream_url(html)
    stop_url = re.search(r'data-stop-url="([^"]+)"', html).group(1)
    stopped_now = await sync_to_async(client.post)(stop_url, {"model": "demo/deliberate"})
    assert stopped_now.status_code == 204  # stop before it gets far
    events = await _events(alice, url)
    finals = {e["model"]: e["status"] for e in events if e["type"] == "status" and e["status"] in FINAL}
    assert finals == {"demo/swift": "done", "demo/deliberate": "cancelled"}
    stopped = await Generation.objects.aget(model_slug="demo/deliberate")
    assert stopped.status == "cancelled"
    assert stopped.content  # the first batch that arrived is kept
    assert (await Generation.objects.aget(model_slug="demo/swift")).status == "success"


async def test_one_failing_model_does_not_end_the_others(client, alice, demo_models, make_model):
    await sync_to_async(make_model)("gpt-4o-mini@midstream-error", slug="fakeai/broken")
    await sync_to_async(client.force_login)(alice)
    events = await _events(alice, _stream_url(await _send(client, "Hello there", ["fakeai/broken", "demo/swift"])))
    errors = [e for e in events if e["type"] == "error"]
    assert [e["model"] for e in errors] == ["fakeai/broken"]
    finals = {e["model"]: e["status"] for e in events if e["type"] == "status" and e["status"] in FINAL}
    assert finals == {"fakeai/broken": "error", "demo/swift": "done"}
    assert events[-1] == {"type": "done"}
    statuses = {g.model_slug: g.status async for g in Generation.objects.all()}
    assert statuses == {"fakeai/broken": "error", "demo/swift": "success"}


def test_send_refuses_more_than_four_models_or_no_prompt(client, alice, demo_models):
    client.force_login(alice)
    response = client.post(
        "/playground/send", {"prompt": "x", "models": ["a", "b", "c", "d", "e"]}, HTTP_HX_REQUEST="true"
    )
    assert b"at most four" in response.content
    assert response["HX-Retarget"] == "#send-errors"
    response = client.post("/playground/send", {"prompt": "", "models": ["demo/swift"]}, HTTP_HX_REQUEST="true")
    assert b"Write a message first" in response.content
    assert not Conversation.objects.exists()


async def test_a_turn_is_for_its_owner_only_and_runs_once_however_often_it_is_read(client, alice, bob, demo_models):
    await sync_to_async(client.force_login)(alice)
    url = _stream_url(await _send(client, "Private", ["demo/swift"]))
    other = AsyncClient()
    await other.aforce_login(bob)
    assert (await other.get(url)).status_code == 404
    assert (await AsyncClient().get(url)).status_code == 404
    first = await _events(alice, url)
    again = await _events(alice, url)  # a reloaded page reads the same turn from the start
    assert again == first
    assert await Generation.objects.acount() == 1  # read twice, answered (and charged) once


async def test_editing_the_first_turn_replaces_the_thread_but_keeps_every_ledger_row(client, alice, demo_models):
    await sync_to_async(client.force_login)(alice)
    await _events(alice, _stream_url(await _send(client, "First question", ["demo/swift"])))
    conversation = await Conversation.objects.aget(owner=alice)
    await _events(alice, _stream_url(await _send(client, "Second", ["demo/swift"], conversation=str(conversation.pk))))
    html = await _send(client, "First, rephrased", ["demo/swift"], conversation=str(conversation.pk), edit_turn="0")
    await _events(alice, _stream_url(html))
    live = Generation.objects.filter(removed_at__isnull=True).order_by("turn")
    assert [(g.turn, g.input_messages[-1]["content"]) async for g in live] == [(0, "First, rephrased")]
    edited = await live.aget()
    assert [m["content"] for m in edited.input_messages] == ["First, rephrased"]  # no trace of the old thread
    page = (await sync_to_async(client.get)(conversation.get_absolute_url())).content.decode()
    thread = page.split('id="turns"')[1].split('id="jump-latest"')[0]
    assert "First, rephrased" in thread and "First question" not in thread and "Second" not in thread
    # The replaced answers were billed: they leave the conversation, not the ledger.
    assert await Generation.objects.filter(user=alice).acount() == 3


def _signed_in(app_server, user, password):
    import httpx

    web = httpx.Client(base_url=app_server.url)
    web.get("/accounts/login/")
    web.post(
        "/accounts/login/",
        data={"login": user.email, "password": password, "csrfmiddlewaretoken": web.cookies["csrftoken"]},
    )
    return web


def _frames(response, until_chars: int | None = None) -> tuple[list[tuple[str, dict]], str]:
    """(event id, event) pairs read from a live stream, stopping early once `until_chars` of text arrived."""
    import json

    read, last_id, text = [], "", ""
    for line in response.iter_lines():
        if line.startswith("id: "):
            last_id = line[4:]
        elif line.startswith("data: "):
            event = json.loads(line[6:])
            read.append((last_id, event))
            text += event.get("content", "") if event["type"] == "chunk" else ""
            if until_chars is not None and len(text) > until_chars:
                break
    return read, last_id


def test_a_reload_mid_answer_gets_the_rest_and_the_answer_is_stored_whole(app_server, alice, password, demo_models):
    """The page goes away while a slow model streams: the answer runs on to its end on the server; the
    reconnecting page, sending the last event id it saw, receives the rest with nothing lost or repeated."""
    web = _signed_in(app_server, alice, password)
    html = web.post(
        "/playground/send",
        data={"prompt": "A long story about mountains", "models": ["demo/deliberate"], "max_tokens": "2000"},
        headers={"X-CSRFToken": web.cookies["csrftoken"], "HX-Request": "true"},
    ).text
    url = _stream_url(html)
    with web.stream("GET", url, timeout=30) as response:
        before, last_id = _frames(response, until_chars=80)  # then the page is reloaded
    conversation_id = before[0][1]["conversation_id"]
    page = web.get(f"/playground/c/{conversation_id}/").text
    assert f'data-stream-url="{url}"' in page  # the reloaded page shows the turn still answering
    with web.stream("GET", url, headers={"Last-Event-ID": last_id}, timeout=30) as response:
        after, _ = _frames(response)
    text = "".join(e["content"] for _, e in before + after if e["type"] == "chunk")
    assert after[-1][1] == {"type": "done"}
    generation = Generation.objects.get()
    assert generation.status == "success"
    assert generation.content == text and len(text) > 200
    assert [i for i, _ in after] == sorted(i for i, _ in after) and before[-1][0] < after[0][0]
    page = web.get(f"/playground/c/{conversation_id}/").text
    assert "data-stream-url" not in page  # finished: rendered from the ledger row


def test_stop_is_the_only_thing_that_cancels(app_server, alice, password, bob, demo_models):
    web = _signed_in(app_server, alice, password)
    html = web.post(
        "/playground/send",
        data={"prompt": "A long story about rivers", "models": ["demo/deliberate"], "max_tokens": "2000"},
        headers={"X-CSRFToken": web.cookies["csrftoken"], "HX-Request": "true"},
    ).text
    stop_url = re.search(r'data-stop-url="([^"]+)"', html).group(1)
    with web.stream("GET", _stream_url(html), timeout=30) as response:
        _frames(response, until_chars=40)
    intruder = _signed_in(app_server, bob, password)
    refused = intruder.post(stop_url, headers={"X-CSRFToken": intruder.cookies["csrftoken"]})
    assert refused.status_code == 404
    stopped = web.post(stop_url, headers={"X-CSRFToken": web.cookies["csrftoken"]})  # Stop, for every model
    assert stopped.status_code == 204
    with web.stream("GET", _stream_url(html), timeout=30) as response:
        events, _ = _frames(response)
    assert {"type": "status", "model": "demo/deliberate", "status": "cancelled"} in [e for _, e in events]
    generation = Generation.objects.get()
    assert generation.status == "cancelled" and 40 < len(generation.content) < 1000
