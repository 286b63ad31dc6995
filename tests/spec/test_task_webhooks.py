"""`ai.task.completed` / `ai.task.failed` (spec 002, "Webhook Events") for REST generations asked with
`"notify": true` and for every batch item, with the spec's `choices` / `usage` in `result`; delivered
over real HTTP, signed, to an endpoint created from the spec's own example."""

import copy
import json

import httpx
import pytest
from standardwebhooks import Webhook

from tests.spec.conftest import SPEC_CHAT, SPEC_GENERATE, SPEC_WEBHOOK
from usage.models import SystemSetting
from usage.settings_store import get_setting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook(app_server, alice, key_for, receiver):
    """The spec's webhook, pointed at a local receiver, created through the API."""
    hook = receiver()
    body = {**SPEC_WEBHOOK, "url": hook.url}
    key = key_for(alice, scopes=["webhooks:write"])
    response = httpx.post(f"{app_server.url}/api/v1/webhooks", json=body, headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    return hook


def _events(hook, count: int) -> list[dict]:
    received = hook.wait_for(count, timeout=15)
    signer = Webhook(SPEC_WEBHOOK["secret"].encode())
    return [signer.verify(r.body, r.headers) for r in received]


def _post(server, key: str, path: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers={"X-API-Key": key}, timeout=30)


def test_a_notified_chat_sends_ai_task_completed_with_the_answer(app_server, alice, alice_key, minimax, hook):
    response = _post(app_server, alice_key, "/api/v1/ai/chat", {**SPEC_CHAT, "notify": True})

    assert response.status_code == 200, response.text
    [event] = _events(hook, 1)
    answer = response.json()["data"]
    assert event["event"] == "ai.task.completed"
    data = event["data"]
    assert (data["task_id"], data["status"], data["type"]) == (response.headers["X-Request-Id"], "completed", "chat")
    assert data["result"]["choices"] == answer["choices"] and data["result"]["usage"] == answer["usage"]
    assert data["user_id"] == str(alice.pk) and data["timestamp"]


def test_a_notified_generate_sends_its_choices(app_server, alice_key, minimax, hook):
    response = _post(app_server, alice_key, "/api/v1/ai/generate", {**SPEC_GENERATE, "notify": True})

    assert response.status_code == 200, response.text
    [event] = _events(hook, 1)
    assert event["data"]["result"]["choices"] == response.json()["data"]["choices"]
    assert event["data"]["result"]["usage"]["total_tokens"] == response.json()["data"]["usage"]["total_tokens"] > 0


def test_a_notified_chat_that_fails_sends_ai_task_failed(app_server, alice_key, make_model, hook):
    broken = make_model("gpt-4o-mini@500")
    response = _post(app_server, alice_key, "/api/v1/ai/chat", {**SPEC_CHAT, "model": broken.slug, "notify": True})

    assert response.status_code == 502
    [event] = _events(hook, 1)
    assert event["event"] == "ai.task.failed"
    assert event["data"]["task_id"] == response.headers["X-Request-Id"]
    assert event["data"]["error"] == response.json()["error"]["message"]
    assert event["data"]["error_code"] == "PROVIDER_ERROR"


def test_a_notified_stream_sends_ai_task_completed_when_the_answer_ends(app_server, alice_key, minimax, hook):
    response = _post(app_server, alice_key, "/api/v1/ai/chat", {**SPEC_CHAT, "stream": True, "notify": True})

    assert response.status_code == 200
    streamed = "".join(
        json.loads(line[6:])["content"] for line in response.text.splitlines() if '"type":"chunk"' in line
    )
    [event] = _events(hook, 1)
    assert event["data"]["result"]["choices"][0]["message"]["content"] == streamed


def test_without_notify_nothing_is_sent_and_a_wrong_notify_is_refused(app_server, alice_key, minimax, hook):
    assert _post(app_server, alice_key, "/api/v1/ai/chat", SPEC_CHAT).status_code == 200
    refused = _post(app_server, alice_key, "/api/v1/ai/chat", {**SPEC_CHAT, "notify": "yes"})

    assert refused.status_code == 400 and refused.json()["error"]["details"] == {"notify": ["Must be a boolean."]}
    assert hook.wait_for(1, timeout=1.5) == []


def test_every_batch_item_sends_its_own_event(app_server, alice, alice_key, minimax, hook):
    limits = copy.deepcopy(get_setting("tier_limits"))
    limits["free"]["daily"] = 2
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object", category="ai", is_public=True)
    prompts = ["first prompt", "second prompt", "third prompt"]
    response = _post(app_server, alice_key, "/api/v1/ai/batch", {"model": "minimax", "prompts": prompts})

    assert response.status_code == 202, response.text
    batch_id = response.json()["data"]["id"]
    tasks = [e for e in _events(hook, 5) if e["event"].startswith("ai.task.")]  # and two quota warnings
    events = sorted(tasks, key=lambda e: e["data"]["index"])
    assert [e["event"] for e in events] == ["ai.task.completed", "ai.task.completed", "ai.task.failed"]
    assert [e["data"]["task_id"] for e in events] == [f"{batch_id}:{i}" for i in range(3)]
    results = httpx.get(
        f"{app_server.url}/api/v1/ai/batch/{batch_id}/results.json", headers={"X-API-Key": alice_key}
    ).json()["results"]
    for event, item in zip(events[:2], results[:2], strict=True):
        assert event["data"]["result"]["choices"][0]["message"]["content"] == item["content"]
        assert event["data"]["result"]["usage"]["total_tokens"] == item["total_tokens"]
    assert events[2]["data"]["error_code"] == "QUOTA_EXCEEDED"
