"""Serving the fake with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import uvicorn

from providers.testing.app import FakeUpstream

PROVIDER_PATHS = {
    "openai": "/openai/v1",
    "openai_compatible": "/openai/v1",
    "openrouter": "/openrouter/api/v1",
    "huggingface": "/hf",
    "huggingface_legacy": "/hf",
    "minimax": "/minimax",
    "ollama": "/ollama",
}


def _config(app: FakeUpstream, host: str, port: int, log_level: str, http: str = "h11") -> uvicorn.Config:
    # h11 is pure Python and always present; only the benchmark, which shares the CPU with the fake,
    # asks for the cheaper httptools.
    return uvicorn.Config(app, host=host, port=port, http=http, lifespan="off", log_level=log_level, access_log=False)


def run(host: str = "127.0.0.1", port: int = 8765, log_level: str = "info", http: str = "h11") -> None:
    print(f"Fake upstream on http://{host}:{port}")
    for kind, path in PROVIDER_PATHS.items():
        print(f"  {kind:<20} http://{host}:{port}{path}")
    uvicorn.Server(_config(FakeUpstream(), host, port, log_level, http)).run()


@dataclass
class RunningFake:
    """A fake started by start_in_thread(); what tests hold on to."""

    url: str
    app: FakeUpstream
    server: uvicorn.Server
    thread: threading.Thread

    def base_url(self, provider: str) -> str:
        return self.url + PROVIDER_PATHS[provider]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/_fake/stats", timeout=5) as response:  # noqa: S310 - our own URL
            return json.load(response)

    def reset(self) -> None:
        request = urllib.request.Request(self.url + "/_fake/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            pass

    def last_body(self, provider: str, model: str) -> dict[str, Any]:
        """The last request body the fake received for this provider and model string."""
        return self.stats()["last"][f"{provider}:{model}"]["body"]

    def requests(self, provider: str, model: str) -> int:
        return self.stats()["requests"].get(f"{provider}:{model}", 0)

    def closed_early(self, provider: str, model: str, wait: float = 3.0) -> int:
        """Closed-early count, waiting a little: the fake notices a disconnect asynchronously."""
        deadline = time.monotonic() + wait
        while True:
            count = self.stats()["closed_early"].get(f"{provider}:{model}", 0)
            if count or time.monotonic() > deadline:
                return count
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def start_in_thread(host: str = "127.0.0.1", port: int = 0, log_level: str = "critical") -> RunningFake:
    """Start on a free port (port=0) in a daemon thread and return once it accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    port = sock.getsockname()[1]
    app = FakeUpstream()
    server = uvicorn.Server(_config(app, host, port, log_level))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fake-upstream", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake upstream did not start")
        time.sleep(0.01)
    return RunningFake(url=f"http://{host}:{port}", app=app, server=server, thread=thread)
