"""One way of reading credentials on every view, the DRF ones and the async doors alike: an API key,
then a JWT, then the session (CSRF-checked); a credential that is there but wrong says what is wrong."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import AIModelFactory, ProviderFactory

pytestmark = pytest.mark.django_db

HELLO = [{"role": "user", "content": "Hello"}]
INVALID_TOKEN = "The access token is invalid or has expired; sign in again or refresh it."


@pytest.fixture
def swift(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    return AIModelFactory(provider=demo, upstream_id="swift", slug="demo/swift")


@pytest.fixture
def key(alice):
    from accounts.api_keys import api_key_create

    return api_key_create(user=alice, name="k", scopes=["ai:read", "ai:write", "usage:read"], expires_in_days=1)[1]


def _calls(client: APIClient, model: str) -> dict[str, int]:
    """One DRF view of each kind and the async door, with whatever credentials the client sends."""
    return {
        "GET /api/auth/me": client.get("/api/auth/me").status_code,
        "GET /api/v1/ai/usage": client.get("/api/v1/ai/usage").status_code,
        "GET /api/v1/ai/tasks": client.get("/api/v1/ai/tasks").status_code,
        "POST /api/v1/ai/chat": client.post(
            "/api/v1/ai/chat", {"model": model, "messages": HELLO}, format="json"
        ).status_code,
    }


def test_a_valid_api_key_is_honoured_next_to_a_junk_bearer_on_every_view(key, swift):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key, HTTP_AUTHORIZATION="Bearer junk")

    assert _calls(client, swift.slug) == {
        "GET /api/auth/me": 200,
        "GET /api/v1/ai/usage": 200,
        "GET /api/v1/ai/tasks": 200,
        "POST /api/v1/ai/chat": 200,
    }


def test_a_bad_api_key_is_refused_even_next_to_a_valid_jwt(alice, jwt_for, swift):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="sk_live_not-a-key", HTTP_AUTHORIZATION=f"Bearer {jwt_for(alice)['token']}")

    assert set(_calls(client, swift.slug).values()) == {401}


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/v1/ai/usage", "/api/v1/ai/chat"])
def test_an_invalid_jwt_says_so_on_every_view(path, swift):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")

    response = client.generic("POST" if path.endswith("chat") else "GET", path, "{}", "application/json")

    assert response.status_code == 401
    assert response.json()["error"] == {"message": INVALID_TOKEN, "code": "AUTHENTICATION_ERROR", "details": {}}


def test_a_session_caller_of_an_async_door_needs_the_csrf_token(alice, swift):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    body = {"model": swift.slug, "messages": HELLO}

    refused = browser.post("/api/v1/ai/chat", body, content_type="application/json")
    browser.get("/playground/")  # the page sets the CSRF cookie, as in the browser
    token = browser.cookies["csrftoken"].value
    allowed = browser.post("/api/v1/ai/chat", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "AUTHORIZATION_ERROR"
    assert "CSRF" in refused.json()["error"]["message"]
    assert allowed.status_code == 200
