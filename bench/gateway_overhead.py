"""Latency the gateway adds over calling the fake upstream directly, for `POST /v1/chat/completions`
and `POST /v1/embeddings`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/switchboard_bench REDIS_URL=redis://127.0.0.1:6379/1 \
        .venv/bin/python bench/gateway_overhead.py [--requests 400] [--modes whole,stream,embeddings]

Starts the fake upstream (its own process) and the app (uvicorn, one worker, production settings with
PostgreSQL and Redis, metering on), then measures whole answers, streams (time to first token) and
embeddings (one text, text-embedding-3-small's 1536 dimensions as base64, the `openai` package's
default; every call a different text, so the gateway's cache never answers) at concurrency 1 and 32,
and prints a table. The database named in DATABASE_URL is migrated first.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

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
AIModel.objects.update_or_create(slug="benchfake/text-embedding-3-small", defaults={
    "display_name": "Bench embeddings", "provider": provider, "upstream_id": "text-embedding-3-small",
    "kind": "embedding", "input_price_per_1m": Decimal("0.02"), "output_price_per_1m": None})
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


class _Connection:
    """A keep-alive HTTP/1.1 connection with just enough parsing for these two responses.

    A full client (httpx) spends more CPU per call than the gateway is allowed to add, and on a
    2-core machine client, fake upstream and app share the CPU, so the load generator must stay lean.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.calls = 0

    async def call(self, path: str, headers: dict[str, str], body: bytes, stream: bool) -> float:
        """Seconds to the whole answer, or to the first content of a stream."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        started = time.perf_counter()
        self.calls += 1
        self.writer.write(head.encode() + body)
        reader = self.reader
        assert reader is not None
        status_and_headers = await reader.readuntil(b"\r\n\r\n")
        status = int(status_and_headers[9:12])
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        lowered = status_and_headers.lower()
        if b"transfer-encoding: chunked" not in lowered:
            length = int(lowered.split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            return time.perf_counter() - started
        first = None
        while True:
            size = int((await reader.readline()).strip(), 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                break
            if first is None and (not stream or (b'"content":"' in data and b'"content":""' not in data)):
                first = time.perf_counter() - started
        return first if first is not None else time.perf_counter() - started

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _bodies(mode: str, model: str) -> Callable[[], bytes]:
    """The request body of each call: the same chat request, or a new text to embed every time."""
    if mode == "embeddings":
        counter = iter(range(10**9))
        return lambda: json.dumps(
            {"model": model, "input": f"Rivers and lakes, sample {next(counter)}", "encoding_format": "base64"}
        ).encode()
    body = {"model": model, "messages": MESSAGES, "max_tokens": 64}
    if mode == "stream":
        body.update(stream=True, stream_options={"include_usage": True})
    payload = json.dumps(body).encode()
    return lambda: payload


async def _run(
    url: str, headers: dict, model: str, mode: str, total: int, concurrency: int
) -> tuple[list[float], float, int]:
    """Latency samples, calls per second, and how many calls were made (warm-up included)."""
    parsed = urlsplit(url)
    stream = mode == "stream"
    body = _bodies(mode, model)
    connections = [_Connection(parsed.hostname, parsed.port) for _ in range(concurrency)]
    try:
        for _ in range(3):  # warm-up: connections, caches, code paths
            await asyncio.gather(*(c.call(parsed.path, headers, body(), stream) for c in connections))
        for _ in range(20):
            await connections[0].call(parsed.path, headers, body(), stream)
        remaining = total
        samples: list[float] = []

        async def worker(connection: _Connection) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                samples.append(await connection.call(parsed.path, headers, body(), stream))

        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in connections))
        return samples, total / (time.perf_counter() - started), sum(c.calls for c in connections)
    finally:
        for connection in connections:
            connection.close()


# Mode -> (path under /v1, upstream model); and the label of its rows.
MODES = {
    "whole": ("/chat/completions", "gpt-4o-mini"),
    "stream": ("/chat/completions", "gpt-4o-mini"),
    "embeddings": ("/embeddings", "text-embedding-3-small"),
}
LABELS = {"whole": "whole", "stream": "stream (TTFT)", "embeddings": "embeddings"}


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


LEDGER_CHECK = """
import time
from usage.ledger import writer as ledger
from usage.models import Generation
deadline = time.monotonic() + 30
while not ledger.idle() and time.monotonic() < deadline:
    time.sleep(0.1)
print(Generation.objects.filter(model_slug__startswith="benchfake/", created_at__gte=%(since)r).count())
"""


def _ledger_check(env: dict[str, str], expected: int) -> str:
    """Every gateway call of this run has its row in PostgreSQL (stored by the worker's writer)."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", LEDGER_CHECK % {"since": env["BENCH_SINCE"]}],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    stored = int(out.stdout.strip().splitlines()[-1])
    return f"ledger: {stored} of {expected} gateway calls stored in PostgreSQL by the worker"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--modes", default="whole,stream,embeddings", help="comma-separated: whole, stream, embeddings")
    args = parser.parse_args()
    env = _env()
    env["BENCH_SINCE"] = datetime.now(UTC).isoformat()
    _create_database(env["DATABASE_URL"])
    fake_port, app_port = _port(), _port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "providers.testing", "--port", str(fake_port), "--http", "httptools"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    upstream = f"http://127.0.0.1:{fake_port}/openai/v1"
    app = worker = None
    try:
        _wait(f"http://127.0.0.1:{fake_port}/_fake/stats")
        key = _prepare(env, upstream)
        # The Celery worker stores the ledger rows that /v1 queues behind each response (its writer
        # thread); it shares the machine, as it would a small production host.
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        app = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(app_port), "--workers", "1",
             "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        _wait(f"http://127.0.0.1:{app_port}/health")
        rows = []
        gateway_calls = 0
        for mode in args.modes.split(","):
            path, upstream_model = MODES[mode]
            for concurrency in (1, 32):
                direct, direct_rps, _ = asyncio.run(
                    _run(f"{upstream}{path}", {"Authorization": "Bearer sk-bench"}, upstream_model,
                         mode, args.requests, concurrency)
                )  # fmt: skip
                gateway, gateway_rps, calls = asyncio.run(
                    _run(f"http://127.0.0.1:{app_port}/v1{path}", {"Authorization": f"Bearer {key}"},
                         f"benchfake/{upstream_model}", mode, args.requests, concurrency)
                )  # fmt: skip
                added = [_pct(gateway, p) - _pct(direct, p) for p in (50, 95, 99)]
                rows.append((LABELS[mode], concurrency, *added, direct_rps, gateway_rps))
                gateway_calls += calls
        print(f"{'mode':<14}{'conc':>5}{'+p50 ms':>10}{'+p95 ms':>10}{'+p99 ms':>10}{'direct/s':>10}{'gateway/s':>11}")
        for mode, conc, p50, p95, p99, drps, grps in rows:
            print(f"{mode:<14}{conc:>5}{p50:>10.2f}{p95:>10.2f}{p99:>10.2f}{drps:>10.0f}{grps:>11.0f}")
        print(f"(median of direct-call latency subtracted per percentile; {args.requests} requests per cell)")
        print(_ledger_check(env, expected=gateway_calls))
    finally:
        for proc in (app, worker, fake):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
