"""Limits hold under real concurrency and across server processes (uvicorn subprocesses, PostgreSQL, Redis)."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.ledger import flush_ledger
from usage.models import Generation

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
HELLO = [{"role": "user", "content": "Hello from a crowd"}]


def _database_url() -> str:
    s = connection.settings_dict
    # pytest-django renamed the database to test_<name>; the servers must use that one.
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared between processes")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _database_url()}
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(p), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        for p in ports
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    deadline = time.monotonic() + 30
    for url in urls:
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
    yield urls
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=10)


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
