"""CORS for the API: off by default; with CORS_ALLOWED_ORIGINS set, browsers on those origins may call
/api/ and /v1/ (preflights answered), and no other origin may. Tried over real HTTP against the ASGI
application, so the /v1 door runs on its own lean handler and middleware list."""

import httpx
import pytest

from tests.servers import ThreadServer

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"


@pytest.fixture
def server(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with ThreadServer() as running:
        yield running


@pytest.fixture
def allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def _preflight(server: ThreadServer, path: str, origin: str) -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-api-key",
    }
    return httpx.options(server.url + path, headers=headers, timeout=10)


def test_preflights_from_an_allowed_origin_are_answered_on_both_doors(server, allowed):
    for path in ("/api/v1/api-keys", "/api/auth/login", "/v1/chat/completions"):
        response = _preflight(server, path, ALLOWED)
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == ALLOWED
        assert "POST" in response.headers["access-control-allow-methods"]
        # Any header may be sent; Authorization has to be named, since the wildcard does not cover it.
        allowed_headers = {h.strip() for h in response.headers["access-control-allow-headers"].lower().split(",")}
        assert {"*", "authorization"} <= allowed_headers
        assert "access-control-allow-credentials" not in response.headers  # bearer tokens, never cookies


def test_simple_requests_from_an_allowed_origin_may_read_the_answer_and_its_headers(server, allowed):
    for path in ("/api/auth/me", "/v1/models"):
        response = httpx.get(server.url + path, headers={"Origin": ALLOWED}, timeout=10)
        assert response.status_code == 401, path  # no credentials: the page can still read why
        assert response.headers["access-control-allow-origin"] == ALLOWED
        exposed = response.headers["access-control-expose-headers"].lower()
        assert "x-ratelimit-remaining" in exposed and "x-request-id" in exposed
        assert "origin" in response.headers["vary"].lower()  # caches keep one answer per origin


def test_another_origin_gets_no_permission_on_either_door(server, allowed):
    for path in ("/api/v1/api-keys", "/v1/chat/completions"):
        assert "access-control-allow-origin" not in _preflight(server, path, REFUSED).headers, path
    for path in ("/api/auth/me", "/v1/models"):
        response = httpx.get(server.url + path, headers={"Origin": REFUSED}, timeout=10)
        assert "access-control-allow-origin" not in response.headers, path


def test_cors_is_off_by_default(server, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    preflight = _preflight(server, "/api/v1/api-keys", ALLOWED)
    simple = httpx.get(server.url + "/v1/models", headers={"Origin": ALLOWED}, timeout=10)
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers
    assert "origin" not in simple.headers.get("vary", "").lower()  # an answer that cannot vary says so


def test_pages_are_not_opened_to_other_origins(server, allowed):
    response = httpx.get(server.url + "/", headers={"Origin": ALLOWED}, timeout=10)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
