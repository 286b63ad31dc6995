import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from tests.factories import WebhookEndpointFactory


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """A real HTTP server on 127.0.0.1 answering POSTs from a script; the last reply repeats."""

    def __init__(self, script: list[Reply]) -> None:
        self.script = list(script) or [Reply()]
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.lock:
                    receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                    reply = receiver.script[min(len(receiver.received), len(receiver.script)) - 1]
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the sender gave up (timeout, killed worker)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[type[Receiver]]:
    """`receiver([Reply(500), Reply(200)])` starts a receiver; all are stopped after the test."""
    started: list[Receiver] = []

    def start(script: list[Reply] | None = None) -> Receiver:
        started.append(Receiver(script or [Reply()]))
        return started[-1]

    yield start
    for r in started:
        r.close()


def verify(endpoint_secret: str, request: Received) -> dict:
    """What a receiver does with the official package: raises unless the signature is good."""
    return Webhook(endpoint_secret).verify(request.body, request.headers)


@pytest.fixture
def alice_endpoint(alice):
    return WebhookEndpointFactory(user=alice)


@pytest.fixture
def bob_endpoint(bob):
    return WebhookEndpointFactory(user=bob)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """`with committing(execute=True):` runs what would run when the request's transaction commits
    (the queued delivery tasks; eager in tests), since each test runs inside one transaction."""
    return django_capture_on_commit_callbacks
