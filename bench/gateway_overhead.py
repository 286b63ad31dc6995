"""Latency the gateway adds over calling the fake upstream directly, for `POST /v1/chat/completions`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/switchboard_bench REDIS_URL=redis://127.0.0.1:6379/1 \
        .venv/bin/python bench/gateway_overhead.py [--requests 400]

Starts the fake upstream (its own process) and the app (uvicorn, one worker, production settings with
PostgreSQL and Redis, metering on), then measures whole answers and streams (time to first token)
at concurrency 1 and 32, and prints a table. The database named in DATABASE_URL is migrated first.
"""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [{"role": "user", "content": "Give me a short answer about rivers."}]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_bench")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        CACHE_KEY_PREFIX="bench",
        # Under ASGI every request runs its ORM work in a fresh thread, so persistent per-thread
        # connections pile up; the bench opens one per request (see README for pooling).
        DB_CONN_MAX_AGE=os.environ.get("DB_CONN_MAX_AGE", "0"),
    )
    return env


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


SETUP = """
import json
from decimal import Decimal
from accounts.models import User
from accounts.api_keys import api_key_create
from catalog.models import AIModel, Provider
from catalog.selectors import catalog_changed
from usage.models import SystemSetting
from usage.settings_store import DEFAULTS
limits = json.loads(json.dumps(DEFAULTS["tier_limits"][0]))
limits["enterprise"]["per_minute"] = 10_000_000
SystemSetting.objects.update_or_create(key="tier_limits", defaults={"value": limits, "type": "object"})
user, _ = User.objects.get_or_create(email="bench@example.com", defaults={"username": "bench", "tier": "enterprise"})
user.tier = "enterprise"; user.save()
provider, _ = Provider.objects.update_or_create(slug="benchfake", defaults={
    "name": "Bench fake", "adapter_kind": "openai", "base_url": "%(upstream)s", "api_key": "sk-bench"})
AIModel.objects.update_or_create(slug="benchfake/gpt-4o-mini", defaults={
    "display_name": "Bench", "provider": provider, "upstream_id": "gpt-4o-mini",
    "input_price_per_1m": Decimal("0.15"), "output_price_per_1m": Decimal("0.60"), "max_output_tokens": 4096})
catalog_changed()
print(api_key_create(user=user, name="bench", scopes=["ai:read", "ai:write"], expires_in_days=1)[1])
"""


def _prepare(env: dict[str, str], upstream: str) -> str:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP % {"upstream": upstream}],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


async def _one(client: httpx.AsyncClient, url: str, headers: dict, model: str, stream: bool) -> float:
    body = {"model": model, "messages": MESSAGES, "max_tokens": 64}
    started = time.perf_counter()
    if not stream:
        response = await client.post(url, json=body, headers=headers)
        response.raise_for_status()
        return time.perf_counter() - started
    body.update(stream=True, stream_options={"include_usage": True})
    first = None
    async with client.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if first is None and '"content":"' in line and '"content":""' not in line:
                first = time.perf_counter() - started
    return first if first is not None else time.perf_counter() - started


async def _run(
    url: str, headers: dict, model: str, stream: bool, total: int, concurrency: int
) -> tuple[list[float], float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for _ in range(min(20, total)):  # warm-up: connections, caches, code paths
            await _one(client, url, headers, model, stream)
        queue = list(range(total))
        samples: list[float] = []

        async def worker() -> None:
            while queue:
                queue.pop()
                samples.append(await _one(client, url, headers, model, stream))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return samples, total / (time.perf_counter() - started)


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    env = _env()
    _create_database(env["DATABASE_URL"])
    fake_port, app_port = _port(), _port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "providers.fake_upstream", "--port", str(fake_port)],
        cwd=ROOT, env=env,
    )  # fmt: skip
    upstream = f"http://127.0.0.1:{fake_port}/openai/v1"
    app = None
    try:
        _wait(f"http://127.0.0.1:{fake_port}/_fake/stats")
        key = _prepare(env, upstream)
        app = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(app_port), "--workers", "1",
             "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        _wait(f"http://127.0.0.1:{app_port}/health")
        rows = []
        for stream in (False, True):
            for concurrency in (1, 32):
                direct, direct_rps = asyncio.run(
                    _run(f"{upstream}/chat/completions", {"Authorization": "Bearer sk-bench"}, "gpt-4o-mini",
                         stream, args.requests, concurrency)
                )  # fmt: skip
                gateway, gateway_rps = asyncio.run(
                    _run(f"http://127.0.0.1:{app_port}/v1/chat/completions", {"Authorization": f"Bearer {key}"},
                         "benchfake/gpt-4o-mini", stream, args.requests, concurrency)
                )  # fmt: skip
                added = [_pct(gateway, p) - _pct(direct, p) for p in (50, 95, 99)]
                rows.append(("stream (TTFT)" if stream else "whole", concurrency, *added, direct_rps, gateway_rps))
        print(f"{'mode':<14}{'conc':>5}{'+p50 ms':>10}{'+p95 ms':>10}{'+p99 ms':>10}{'direct/s':>10}{'gateway/s':>11}")
        for mode, conc, p50, p95, p99, drps, grps in rows:
            print(f"{mode:<14}{conc:>5}{p50:>10.2f}{p95:>10.2f}{p99:>10.2f}{drps:>10.0f}{grps:>11.0f}")
        print(f"(median of direct-call latency subtracted per percentile; {args.requests} requests per cell)")
    finally:
        for proc in (app, fake):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
