"""A client written from the API documentation (spec 002) alone: every request body is the spec's own
example, copied as it is printed, and every step checks the fields the spec's response shows."""

import pytest
from rest_framework.test import APIClient

from tests.spec.conftest import SPEC_CHAT, SPEC_GENERATE, SPEC_WEBHOOK

pytestmark = pytest.mark.django_db

SPEC_REGISTER = {"username": "johndoe", "email": "john@example.com", "password": "SecurePass123!"}
SPEC_LOGIN = {"email": "john@example.com", "password": "SecurePass123!"}
SPEC_PROFILE = {"username": "johndoe_updated", "email": "john.updated@example.com"}
SPEC_API_KEY = {"name": "My Application", "permissions": ["ai:read", "ai:write", "usage:read"], "expires_in": 30}
SPEC_API_KEY_UPDATE = {"name": "Updated Application Name",
                       "permissions": ["ai:read", "ai:write", "usage:read", "webhooks:write"]}  # fmt: skip
SPEC_WEBHOOK_UPDATE = {"url": "https://your-app.com/new-webhook",
                       "events": ["ai.task.completed", "ai.task.failed", "quota.warning"], "active": True}  # fmt: skip
ENVELOPE = {"success", "data", "timestamp"}


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is True and set(body) >= ENVELOPE
    return body["data"]


def test_a_client_written_from_the_spec_works_unchanged(minimax):
    client = APIClient()
    user = _ok(client.post("/api/auth/register", SPEC_REGISTER, format="json"), 201)
    assert {"id", "username", "email", "tier", "created_at"} <= set(user["user"]) and user["token"]
    token = _ok(client.post("/api/auth/login", SPEC_LOGIN, format="json"))["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    me = _ok(client.get("/api/auth/me"))
    assert {"id", "username", "email", "tier", "quota", "api_keys", "created_at", "updated_at"} <= set(me)
    assert {"daily", "weekly", "monthly"} <= set(me["quota"]) and me["quota"]["daily"]["limit"] == 50

    chat = _ok(client.post("/api/v1/ai/chat", SPEC_CHAT, format="json"))
    assert {"id", "model", "choices", "usage", "created"} <= set(chat)
    assert chat["choices"][0]["message"]["role"] == "assistant" and chat["choices"][0]["finish_reason"]
    assert set(chat["usage"]) >= {"prompt_tokens", "completion_tokens", "total_tokens"}
    generated = _ok(client.post("/api/v1/ai/generate", SPEC_GENERATE, format="json"))
    assert {"text", "index", "finish_reason"} <= set(generated["choices"][0])

    models = _ok(client.get("/api/v1/ai/models"))["models"]
    assert {"id", "name", "description", "max_tokens", "supported_endpoints", "pricing"} <= set(models[0])
    usage = _ok(client.get("/api/v1/ai/usage", {"start_date": "2025-11-01", "end_date": "2025-11-30"}))
    assert {"total_requests", "total_tokens", "total_cost", "by_model", "by_date"} <= set(usage["usage"])

    created = _ok(client.post("/api/v1/api-keys", SPEC_API_KEY, format="json"), 201)["api_key"]
    assert created["key"].startswith("sk_live_") and created["permissions"] == SPEC_API_KEY["permissions"]
    assert {"id", "name", "created_at", "expires_at", "last_used"} <= set(created)
    listed = _ok(client.get("/api/v1/api-keys"))["api_keys"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    assert "usage_count" in _ok(client.get(f"/api/v1/api-keys/{created['id']}"))["api_key"]
    updated = _ok(client.put(f"/api/v1/api-keys/{created['id']}", SPEC_API_KEY_UPDATE, format="json"))["api_key"]
    assert updated["name"] == "Updated Application Name" and "updated_at" in updated

    keyed = APIClient()
    keyed.credentials(HTTP_X_API_KEY=created["key"])
    assert _ok(keyed.post("/api/v1/ai/chat", SPEC_CHAT, format="json"))["choices"]

    hook = _ok(client.post("/api/v1/webhooks", SPEC_WEBHOOK, format="json"), 201)["webhook"]
    assert {"id", "url", "events", "secret", "active", "created_at", "last_delivery"} <= set(hook)
    assert [w["id"] for w in _ok(client.get("/api/v1/webhooks"))["webhooks"]] == [hook["id"]]
    changed = _ok(client.put(f"/api/v1/webhooks/{hook['id']}", SPEC_WEBHOOK_UPDATE, format="json"))["webhook"]
    assert changed["url"] == SPEC_WEBHOOK_UPDATE["url"] and "updated_at" in changed
    assert client.delete(f"/api/v1/webhooks/{hook['id']}").json()["success"] is True
    assert client.delete(f"/api/v1/api-keys/{created['id']}").json()["success"] is True

    profile = _ok(client.put("/api/auth/profile", SPEC_PROFILE, format="json"))
    assert (profile["username"], profile["email"]) == ("johndoe_updated", "john.updated@example.com")
    password = {"oldPassword": "SecurePass123!", "newPassword": "NewSecurePass456!"}
    assert client.put("/api/auth/password", password, format="json").json()["success"] is True
    token = _ok(client.post("/api/auth/login", {**SPEC_LOGIN, "email": "john.updated@example.com",
                                                "password": "NewSecurePass456!"}, format="json"))["token"]  # fmt: skip
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.post("/api/auth/logout").json() | {"timestamp": None} == {
        "success": True, "data": None, "message": "Logout successful", "timestamp": None
    }  # fmt: skip
    assert client.get("/api/auth/me").status_code == 401
