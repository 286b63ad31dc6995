"""`POST /api/v1/api-keys/{id}/rotate`: a new secret in one step; the old one works for the grace
period the caller chose, then is refused everywhere, cached or not."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import api_keys
from accounts.api_keys import InvalidApiKey, api_key_create, api_key_verify_async
from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def _key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def _works(raw: str) -> bool:
    status = _key_client(raw).get("/api/auth/me").status_code
    assert status in (200, 401), status
    return status == 200


def _rotate(client: APIClient, key: ApiKey, body: dict | None = None):
    return client.post(f"/api/v1/api-keys/{key.pk}/rotate", body or {}, format="json")


@pytest.fixture
def alice_key(alice):
    return api_key_create(user=alice, name="deploy", scopes=["ai:read", "usage:read"], expires_in_days=30)


@pytest.fixture
def later(monkeypatch):
    """Move the key checks' clock forward (the shared cache keeps its own, real time)."""

    def move(delta: timedelta) -> None:
        moved = timezone.now() + delta

        class Clock:
            @staticmethod
            def now() -> datetime:
                return moved

        monkeypatch.setattr(api_keys, "timezone", Clock)

    return move


def test_rotation_shows_a_new_secret_once_and_keeps_the_old_one_for_a_day(alice_api, alice_key):
    key, old_raw = alice_key
    response = _rotate(alice_api, key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "API key rotated successfully"
    new = body["data"]["api_key"]
    new_raw = new["key"]
    assert api_keys.looks_valid(new_raw) and new_raw != old_raw
    assert (new["name"], new["permissions"], new["rotated_from"]) == ("deploy", ["ai:read", "usage:read"], str(key.pk))
    previous = body["data"]["previous_key"]
    assert previous["id"] == str(key.pk) and previous["replaced_by"] == new["id"] and "key" not in previous
    grace_end = ApiKey.objects.get(pk=key.pk).expires_at
    assert abs(grace_end - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    assert previous["expires_at"] == grace_end.isoformat().replace("+00:00", "Z")
    assert _works(old_raw) and _works(new_raw)

    listed = {k["id"]: k for k in alice_api.get("/api/v1/api-keys").json()["data"]["api_keys"]}
    assert listed[str(key.pk)]["replaced_by"] == new["id"] and listed[new["id"]]["rotated_from"] == str(key.pk)
    assert all("key" not in k for k in listed.values())
    detail = alice_api.get(f"/api/v1/api-keys/{new['id']}").json()["data"]["api_key"]
    assert detail["rotated_from"] == str(key.pk) and "key" not in detail


def test_the_new_key_keeps_the_old_keys_lifetime(alice_api, alice_key):
    key, _ = alice_key
    new = _rotate(alice_api, key).json()["data"]["api_key"]
    expires = ApiKey.objects.get(pk=new["id"]).expires_at
    assert abs(expires - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_the_caller_may_choose_the_new_keys_lifetime(alice_api, alice_key):
    key, _ = alice_key
    new = _rotate(alice_api, key, {"expires_in": 7}).json()["data"]["api_key"]
    assert abs(ApiKey.objects.get(pk=new["id"]).expires_at - (timezone.now() + timedelta(days=7))) < timedelta(
        minutes=1
    )


def test_no_grace_refuses_the_old_key_at_once_even_when_it_is_cached(alice_api, alice_key):
    key, old_raw = alice_key
    assert _works(old_raw)  # now remembered in the shared cache and in this process
    response = _rotate(alice_api, key, {"grace_hours": 0})
    assert response.status_code == 201
    refused = _key_client(old_raw).get("/api/auth/me")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    assert _works(response.json()["data"]["api_key"]["key"])


@pytest.mark.django_db(transaction=True)
async def test_no_grace_reaches_the_async_doors_copy_of_the_key(alice_key, alice_api):
    from asgiref.sync import sync_to_async

    key, old_raw = alice_key
    try:
        assert (await api_key_verify_async(old_raw)).key_id == key.pk  # this process's memo now holds it
        response = await sync_to_async(_rotate)(alice_api, key, {"grace_hours": 0})
        assert response.status_code == 201
        with pytest.raises(InvalidApiKey):
            await api_key_verify_async(old_raw)
    finally:
        await sync_to_async(lambda: connection.close())()  # the verifying thread's connection


def test_the_old_key_is_refused_once_its_grace_has_passed(alice_api, alice_key, later):
    key, old_raw = alice_key
    assert _works(old_raw)
    new_raw = _rotate(alice_api, key, {"grace_hours": 2}).json()["data"]["api_key"]["key"]
    assert _works(old_raw)
    later(timedelta(hours=1, minutes=59))
    assert _works(old_raw)
    later(timedelta(hours=2, seconds=1))
    assert not _works(old_raw)
    assert _works(new_raw)


def test_a_key_that_expires_sooner_than_the_grace_keeps_its_expiry(alice, alice_api):
    key, _ = api_key_create(user=alice, name="short", scopes=["ai:read"], expires_in_days=1)
    before = ApiKey.objects.get(pk=key.pk).expires_at
    _rotate(alice_api, key, {"grace_hours": 72})
    assert ApiKey.objects.get(pk=key.pk).expires_at == before


@pytest.mark.parametrize("grace", [-1, 169, "soon", 1.5, None, True])
def test_a_grace_period_out_of_bounds_is_refused_by_name(alice_api, alice_key, grace):
    key, old_raw = alice_key
    response = _rotate(alice_api, key, {"grace_hours": grace})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and "grace_hours" in error["details"]
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().expires_at == key.expires_at
    assert _works(old_raw)


def test_unknown_fields_are_refused_by_name(alice_api, alice_key):
    key, _ = alice_key
    response = _rotate(alice_api, key, {"grace": 2})
    assert response.status_code == 400 and "grace" in response.json()["error"]["details"]


def test_a_key_is_rotated_once_then_its_replacement_is(alice_api, alice_key):
    key, _ = alice_key
    new = _rotate(alice_api, key).json()["data"]["api_key"]
    again = _rotate(alice_api, key)
    assert again.status_code == 400 and again.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "rotated" in again.json()["error"]["message"]
    assert _rotate(alice_api, ApiKey.objects.get(pk=new["id"])).status_code == 201
    assert ApiKey.objects.count() == 3


def test_only_the_owner_may_rotate(alice_key, bob, jwt_for):
    key, old_raw = alice_key
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    assert _rotate(bob_api, key).status_code == 404
    assert _rotate(APIClient(), key).status_code == 401
    by_key = _rotate(_key_client(old_raw), key)
    assert by_key.status_code == 403 and by_key.json()["error"]["code"] == "AUTHORIZATION_ERROR"
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().expires_at == key.expires_at


def test_a_revoked_key_cannot_be_rotated(alice_api, alice_key):
    key, _ = alice_key
    assert alice_api.delete(f"/api/v1/api-keys/{key.pk}").status_code == 200
    assert _rotate(alice_api, key).status_code == 404
