"""A WebSocket upgrade on any path is refused clearly: 403, no 500, no traceback."""

import logging
import socket

import pytest

from tests.servers import ThreadServer

pytestmark = pytest.mark.django_db(transaction=True)


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def handshake(port: int, path: str) -> bytes:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


@pytest.fixture(scope="module")
def server():
    with ThreadServer() as running:
        yield running


@pytest.mark.parametrize("path", ["/", "/api/v1/ai/stream", "/v1/chat/completions", "/admin/", "/no/such/path"])
def test_a_websocket_upgrade_is_refused_with_403_and_no_traceback(server, path):
    errors = Captured()
    for name in ("uvicorn.error", "django.request", ""):
        logging.getLogger(name).addHandler(errors)
    try:
        answer = handshake(server.port, path)
    finally:
        for name in ("uvicorn.error", "django.request", ""):
            logging.getLogger(name).removeHandler(errors)

    assert answer.startswith(b"HTTP/1.1 403"), answer[:300]
    assert b"101 Switching Protocols" not in answer
    assert errors.records == [], [r.getMessage() for r in errors.records]
