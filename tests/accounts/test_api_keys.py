"""API keys: shown once, stored hashed, scoped, and dead at once when revoked or the owner is suspended."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create, key_hash, looks_valid
from accounts.models import ApiKey
from accounts.services import user_suspend

pytestmark = pytest.mark.django_db


def _key_client(raw: str, *, bearer: bool = False) -> APIClient:
    client = APIClient()
    if bearer:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    else:
        client.credentials(HTTP_X_API_KEY=raw)
    return client


def test_create_returns_the_full_key_once_and_stores_only_its_hash(alice_api):
    response = alice_api.post(
        "/api/v1/api-keys", {"name": "My app", "permissions": ["ai:read", "ai:write"], "expires_in": 30}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "API key created successfully"
    created = body["data"]["api_key"]
    raw = created["key"]
    assert raw.startswith("sk_live_") and len(raw) >= len("sk_live_") + 32 and looks_valid(raw)
    assert created["permissions"] == ["ai:read", "ai:write"]
    stored = ApiKey.objects.get(pk=created["id"])
    assert stored.hash == key_hash(raw) and raw not in (stored.prefix, stored.name)
    assert abs((stored.expires_at - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)
    listed = alice_api.get("/api/v1/api-keys").json()["data"]["api_keys"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    assert "key" not in alice_api.get(f"/api/v1/api-keys/{created['id']}").json()["data"]["api_key"]


def test_default_expiry_is_ninety_days(alice_api):
    created = alice_api.post("/api/v1/api-keys", {"name": "x"}, format="json").json()["data"]["api_key"]
    expires = ApiKey.objects.get(pk=created["id"]).expires_at
    assert abs((expires - timezone.now()) - timedelta(days=90)) < timedelta(minutes=1)


def test_unknown_scope_is_a_validation_error(alice_api):
    response = alice_api.post("/api/v1/api-keys", {"name": "x", "permissions": ["root"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("bearer", [False, True])
def test_key_authenticates_by_header_or_bearer(alice, bearer):
    _, raw = api_key_create(user=alice, name="k", scopes=["usage:read"], expires_in_days=1)
    response = _key_client(raw, bearer=bearer).get("/api/auth/me")
    assert response.status_code == 200
    assert response.json()["data"]["email"] == alice.email


def test_typo_in_key_is_refused(alice):
    _, raw = api_key_create(user=alice, name="k", scopes=["ai:read"], expires_in_days=1)
    typo = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    response = _key_client(typo).get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_revoked_key_is_refused_at_once(alice, alice_api):
    key, raw = api_key_create(user=alice, name="k", scopes=["ai:read"], expires_in_days=1)
    client = _key_client(raw)
    assert client.get("/api/auth/me").status_code == 200  # now cached
    assert alice_api.delete(f"/api/v1/api-keys/{key.pk}").status_code == 200
    response = client.get("/api/auth/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_expired_key_is_refused(alice):
    key, raw = api_key_create(user=alice, name="k", scopes=["ai:read"], expires_in_days=1)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _key_client(raw).get("/api/auth/me").status_code == 401


def test_suspending_the_owner_stops_the_key_at_once(alice):
    _, raw = api_key_create(user=alice, name="k", scopes=["ai:read"], expires_in_days=1)
    client = _key_client(raw)
    assert client.get("/api/auth/me").status_code == 200
    user_suspend(user=alice)
    assert client.get("/api/auth/me").status_code == 401


def test_owner_other_and_anonymous_on_a_key(alice, alice_api, bob, jwt_for):
    key, _ = api_key_create(user=alice, name="mine", scopes=["ai:read"], expires_in_days=1)
    url = f"/api/v1/api-keys/{key.pk}"
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    assert alice_api.get(url).json()["data"]["api_key"]["name"] == "mine"
    for method in ("get", "put", "delete"):
        assert getattr(bob_api, method)(url, {"name": "stolen"}, format="json").status_code == 404
        assert getattr(APIClient(), method)(url, {"name": "x"}, format="json").status_code == 401
    assert ApiKey.objects.get(pk=key.pk).name == "mine" and ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert bob_api.get("/api/v1/api-keys").json()["data"]["api_keys"] == []


def test_update_changes_name_and_permissions(alice, alice_api):
    key, _ = api_key_create(user=alice, name="old", scopes=["ai:read"], expires_in_days=1)
    response = alice_api.put(
        f"/api/v1/api-keys/{key.pk}", {"name": "new", "permissions": ["ai:read", "webhooks:write"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["api_key"]["permissions"] == ["ai:read", "webhooks:write"]
    assert ApiKey.objects.get(pk=key.pk).name == "new"


def test_me_lists_the_users_keys_without_secrets(alice, alice_api):
    api_key_create(user=alice, name="listed", scopes=["ai:read"], expires_in_days=1)
    keys = alice_api.get("/api/auth/me").json()["data"]["api_keys"]
    assert [k["name"] for k in keys] == ["listed"] and "key" not in keys[0]
