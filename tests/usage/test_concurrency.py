"""Limits hold under real concurrency and across server processes (uvicorn subprocesses, PostgreSQL, Redis)."""

import asyncio

import httpx
import pytest

from tests.ledger import flush_ledger
from tests.servers import server_processes
from usage.models import Generation

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
HELLO = [{"role": "user", "content": "Hello from a crowd"}]


@pytest.fixture
def two_servers():
    with server_processes(2) as urls:
        yield urls


async def _fire(urls: list[str], key: str, model: str, count: int, path: str = "/api/v1/ai/chat") -> list:
    async with httpx.AsyncClient(timeout=30) as client:
        calls = [
            client.post(
                f"{urls[i % len(urls)]}{path}",
                json={"model": model, "messages": HELLO},
                headers={"X-API-Key": key},
            )
            for i in range(count)
        ]
        return await asyncio.gather(*calls)


def test_thirty_concurrent_calls_from_a_free_user_on_two_processes_admit_exactly_ten(
    two_servers, alice, alice_key, chat_model
):
    responses = asyncio.run(_fire(two_servers, alice_key, chat_model.slug, 30))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 10 + [429] * 20
    for refused in (r for r in responses if r.status_code == 429):
        assert refused.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED" and int(refused.headers["Retry-After"]) >= 1
    usage = httpx.get(f"{two_servers[0]}/api/v1/ai/usage", headers={"X-API-Key": alice_key}).json()["data"]
    assert usage["usage"]["total_requests"] == 10
    assert Generation.objects.filter(user=alice).count() == 10


def test_the_openai_door_on_two_processes_admits_ten_and_its_ledger_agrees_with_the_counters(
    two_servers, alice, alice_key, chat_model
):
    """/v1 records behind the response (each process's writer); nothing is lost or counted twice."""
    responses = asyncio.run(_fire(two_servers, alice_key, chat_model.slug, 30, path="/v1/chat/completions"))
    assert sorted(r.status_code for r in responses) == [200] * 10 + [429] * 20
    for refused in (r for r in responses if r.status_code == 429):
        assert refused.json()["error"]["code"] == "rate_limit_exceeded" and int(refused.headers["Retry-After"]) >= 1
    flush_ledger()
    rows = Generation.objects.filter(user=alice, door="openai")
    assert rows.count() == 10
    usage = httpx.get(f"{two_servers[1]}/api/v1/ai/usage", headers={"X-API-Key": alice_key}).json()["data"]
    assert usage["usage"]["total_requests"] == 10
    assert usage["usage"]["total_tokens"] == sum(r.total_tokens for r in rows)
