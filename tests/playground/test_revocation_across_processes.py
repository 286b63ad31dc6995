"""A key revoked, or its owner suspended, in one process is refused at once by another server process,
on every door that generates: `/v1/chat/completions`, `/api/v1/ai/chat` and `/api/v1/ai/stream`.

The other process has just used the key, so it holds a verified copy in its memory (config.memo):
what must stop it is the check against the shared cache on every call, not the copy's expiry a
minute later.
"""

import httpx
import pytest

from accounts.api_keys import api_key_revoke
from accounts.models import ApiKey
from accounts.services import user_suspend
from tests.servers import server_processes

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
HELLO = [{"role": "user", "content": "Still there?"}]


@pytest.fixture
def other_process():
    with server_processes(1) as [url]:
        yield url


def _calls(url: str, key: str, model: str) -> dict[str, httpx.Response]:
    body = {"model": model, "messages": HELLO}
    bearer = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, timeout=20) as client:
        return {
            "/v1/chat/completions": client.post("/v1/chat/completions", json=body, headers=bearer),
            "/api/v1/ai/chat": client.post("/api/v1/ai/chat", json=body, headers={"X-API-Key": key}),
            "/api/v1/ai/stream": client.get(
                "/api/v1/ai/stream", params={"prompt": "Still there?", "models": model}, headers={"X-API-Key": key}
            ),
        }


def _refused(responses: dict[str, httpx.Response]) -> dict[str, tuple[int, str]]:
    # The envelope and OpenAI's shape both carry error.message; an answer is shown by its start.
    return {
        door: (r.status_code, r.json()["error"]["message"] if r.is_error else r.text[:80])
        for door, r in responses.items()
    }


def test_a_revoked_key_is_refused_at_once_by_another_process(other_process, alice, alice_key, chat_model):
    assert {door: r.status_code for door, r in _calls(other_process, alice_key, chat_model.slug).items()} == {
        "/v1/chat/completions": 200,
        "/api/v1/ai/chat": 200,
        "/api/v1/ai/stream": 200,
    }

    api_key_revoke(key=ApiKey.objects.get(user=alice))

    refusals = _refused(_calls(other_process, alice_key, chat_model.slug))
    assert refusals == {door: (401, "This API key has been revoked.") for door in refusals}
    assert len(refusals) == 3


def test_a_suspended_users_key_is_refused_at_once_by_another_process(other_process, alice, alice_key, chat_model):
    assert all(r.status_code == 200 for r in _calls(other_process, alice_key, chat_model.slug).values())

    user_suspend(user=alice)

    refusals = _refused(_calls(other_process, alice_key, chat_model.slug))
    assert refusals == {door: (401, "The account that owns this API key is not active.") for door in refusals}
    assert len(refusals) == 3
