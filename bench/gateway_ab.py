"""The app's CPU time per `/v1` call for two or more checkouts, called in turn by one client.

    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/gateway_ab.py --requests 2000 --mode whole \
        before=/path/to/old/checkout:switchboard_bench_before:plain \
        after=.:switchboard_bench:plain,tools+image

Each side is NAME=CHECKOUT:DATABASE:KINDS. Every side runs its own fake upstream, Celery worker and app
(uvicorn, one worker, production settings, as in gateway_overhead.py) with its own database, its own
virtualenv (CHECKOUT/.venv) and its own Redis key prefix; the client then calls each side and kind in
turn, the order reversed every round. On a shared host the load changes from minute to minute, and
runs of one side after the other compare the load as much as the code; calls in turn see the same
load. The figure is each app's CPU time (from /proc) per call, and time to the whole answer or to
the first content, p50 and p99.
"""

import argparse
import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import gateway_overhead as bench


def _bench_module(checkout: Path, name: str, python: str) -> ModuleType:
    """The checkout's own gateway_overhead.py (its SETUP matches its models), run with its Python."""
    spec = importlib.util.spec_from_file_location(f"gateway_overhead_{name}", checkout / "bench/gateway_overhead.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT, module.sys = checkout, SimpleNamespace(executable=python)  # type: ignore[attr-defined]
    return module


class Side:
    def __init__(self, spec: str) -> None:
        self.name, _, rest = spec.partition("=")
        checkout, database, kinds = rest.split(":")
        self.checkout = Path(checkout).resolve()
        self.kinds = kinds.split(",")
        self.python = str(self.checkout / ".venv/bin/python")
        self.env = bench._env()
        self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        self.env["CACHE_KEY_PREFIX"] += self.name
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        checkout, env, python = self.checkout, self.env, self.python
        bench._create_database(env["DATABASE_URL"])
        fake_port, self.port = bench._port(), bench._port()
        # Older checkouts have the fake upstream under its former name.
        fake = "providers.testing" if (checkout / "providers/testing").is_dir() else "providers.fake_upstream"
        self._run([python, "-m", fake, "--port", str(fake_port), "--http", "httptools"])
        bench._wait(f"http://127.0.0.1:{fake_port}/_fake/stats")
        self.key = _bench_module(checkout, self.name, python)._prepare(env, f"http://127.0.0.1:{fake_port}/openai/v1")
        self._run([python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning",
                   "--without-gossip", "--without-mingle", "--without-heartbeat"])  # fmt: skip
        self.app = self._run([python, "-m", "uvicorn", "config.asgi:application", "--port", str(self.port),
                              "--workers", "1", "--log-level", "warning", "--no-access-log"])  # fmt: skip
        bench._wait(f"http://127.0.0.1:{self.port}/health")

    def _run(self, command: list[str]) -> subprocess.Popen:
        self.procs.append(subprocess.Popen(command, cwd=self.checkout, env=self.env, stdout=subprocess.DEVNULL))
        return self.procs[-1]

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=15)


async def _measure(sides: list[Side], mode: str, requests: int) -> None:
    stream = mode == "stream"
    cells = [(side, kind) for side in sides for kind in side.kinds]
    connections = {(s.name, k): bench._Connection("127.0.0.1", s.port) for s, k in cells}
    bodies = {}
    for side, kind in cells:
        body = {"model": "benchfake/gpt-4o-mini", **bench.BODIES[kind], "max_tokens": 64}
        if stream:
            body.update(stream=True, stream_options={"include_usage": True})
        bodies[side.name, kind] = json.dumps(body).encode()
    headers = {s.name: {"Authorization": f"Bearer {s.key}"} for s in sides}

    async def call(side: Side, kind: str) -> float:
        connection = connections[side.name, kind]
        return await connection.call("/v1/chat/completions", headers[side.name], bodies[side.name, kind], stream)

    for _ in range(50):  # warm-up: connections, memos, code paths
        for side, kind in cells:
            await call(side, kind)
    seconds: dict[tuple[str, str], list[float]] = {(s.name, k): [] for s, k in cells}
    cpu = dict.fromkeys(seconds, 0.0)
    for round_ in range(requests):
        for side, kind in cells if round_ % 2 else cells[::-1]:
            before = bench._cpu_seconds(side.app.pid)
            seconds[side.name, kind].append(await call(side, kind))
            cpu[side.name, kind] += bench._cpu_seconds(side.app.pid) - before
    print(f"{'side':<10}{'kind':<14}{'app CPU ms/call':>16}{'p50 ms':>9}{'p99 ms':>9}", f"  ({mode}, {requests} each)")
    for (name, kind), samples in seconds.items():
        ordered = sorted(samples)
        p50, p99 = ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.99)] * 1000
        print(f"{name:<10}{kind:<14}{cpu[name, kind] * 1000 / requests:>16.3f}{p50:>9.2f}{p99:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--mode", choices=["whole", "stream"], default="whole")
    parser.add_argument("sides", nargs="+", help="NAME=CHECKOUT:DATABASE:KINDS (kinds of plain,tools+image)")
    args = parser.parse_args()
    sides = [Side(spec) for spec in args.sides]
    try:
        for side in sides:
            side.start()
        asyncio.run(_measure(sides, args.mode, args.requests))
    finally:
        for side in sides:
            side.stop()


if __name__ == "__main__":
    sys.exit(main())
