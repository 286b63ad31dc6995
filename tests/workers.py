"""Real Celery workers for tests: a `celery -A config worker` subprocess on Redis and PostgreSQL.

A worker is a separate process, so it needs a database it can share: tests that use it run on
PostgreSQL (CI sets DATABASE_URL and REDIS_URL) and skip on SQLite's in-memory test database.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


class Worker:
    def __init__(
        self,
        log: Path,
        *,
        beat: bool = False,
        env: dict[str, str] | None = None,
        name: str = "test",
        concurrency: int = 1,
        queues: str | None = None,
    ) -> None:
        db = connection.settings_dict
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
            **(env or {}),
        }
        # With beat inside, periodic sweepers run too (as in production, where beat always runs).
        extra = ["--beat", "--schedule", str(log.with_suffix(".beat"))] if beat else []
        if queues:  # by default a worker consumes every queue (CELERY_TASK_QUEUES)
            extra += ["--queues", queues]
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "info",
             "--concurrency", str(concurrency), "--hostname", f"{name}-{uuid.uuid4().hex[:8]}@%h",
             "--without-gossip", "--without-mingle", *extra],
            cwd=ROOT, env=full_env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so SIGKILL takes the pool children too
        )  # fmt: skip
        self._wait_for("ready.", timeout=30)

    def _wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"worker did not become {text!r}:\n{self.log.read_text(errors='replace')[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def real_workers(env: dict[str, str] | None = None, name: str = "test") -> Iterator[Callable[..., Worker]]:
    """Yields `start(beat=False, concurrency=1, queues=None)`; this process only queues tasks while it is
    open, workers run them."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database (PostgreSQL, as in CI)")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers: list[Worker] = []
    try:
        with tempfile.TemporaryDirectory() as folder:

            def start(beat: bool = False, concurrency: int = 1, queues: str | None = None) -> Worker:
                log = Path(folder) / f"worker-{len(workers)}.log"
                workers.append(Worker(log, beat=beat, env=env, name=name, concurrency=concurrency, queues=queues))
                return workers[-1]

            yield start
            for worker in workers:
                worker.stop()
    finally:
        for worker in workers:
            worker.kill()
        celery_app.conf.task_always_eager = eager
