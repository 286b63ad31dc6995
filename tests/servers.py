"""The app under uvicorn: on a thread of the test process (it shares the test database and this
process's memory), or as separate server processes (sharing only PostgreSQL and Redis, as in
production).

Event streams and client disconnects need ASGI; Django's live_server is WSGI and buffers them.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadServer:
    def __init__(self) -> None:
        from config.asgi import application

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ThreadServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _database_url() -> str:
    s = connection.settings_dict
    # pytest-django renamed the database to test_<name>; the servers must use that one.
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def server_processes(count: int) -> Iterator[list[str]]:
    """`count` uvicorn processes of the app on the test database; yields their base URLs."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared between processes")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _database_url()}
    ports = [_free_port() for _ in range(count)]
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--log-level", "warning", "--port"]
    procs = [subprocess.Popen([*command, str(port)], cwd=ROOT, env=env) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
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
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
