"""People can take their data with them, and delete their account for good."""

import pytest
from rest_framework.test import APIClient

from accounts import hooks
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_export_contains_my_profile_and_no_one_elses(alice_api, alice, bob):
    response = alice_api.get("/api/auth/export")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()["data"]
    assert data["profile"]["email"] == "alice@example.com"
    assert "bob@example.com" not in response.content.decode()


def test_export_includes_sections_other_apps_register(alice_api, monkeypatch):
    monkeypatch.setattr(hooks, "_exporters", [lambda user: {"conversations": [{"owner": user.username}]}])
    data = alice_api.get("/api/auth/export").json()["data"]
    assert data["conversations"] == [{"owner": "alice"}]


def test_export_requires_sign_in(api):
    assert api.get("/api/auth/export").status_code == 401


def test_account_deletion_needs_confirmation_and_password(alice_api, alice):
    assert alice_api.delete("/api/auth/account", {"confirm": "yes"}, format="json").status_code == 400
    wrong = alice_api.delete("/api/auth/account", {"confirm": "DELETE", "password": "nope"}, format="json")
    assert wrong.status_code == 400
    alice.refresh_from_db()
    assert alice.status == "active"


def test_deleting_my_account_removes_personal_data_and_ends_access(api, alice, jwt_for, password, monkeypatch):
    erased = []
    monkeypatch.setattr(hooks, "_erasers", [erased.append])
    tokens = jwt_for(alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['token']}")
    response = client.delete("/api/auth/account", {"confirm": "DELETE", "password": password}, format="json")
    assert response.status_code == 200

    tombstone = User.objects.get(pk=alice.pk)
    assert tombstone.status == "deleted"
    assert "alice" not in tombstone.email and "alice" not in tombstone.username
    assert not tombstone.has_usable_password()
    assert erased == [tombstone]  # other apps were asked to erase their part
    assert client.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    login = api.post("/api/auth/login", {"email": "alice@example.com", "password": password}, format="json")
    assert login.status_code == 401
    # The address is free again for a new account.
    again = api.post(
        "/api/auth/register", {"username": "alice", "email": "alice@example.com", "password": password}, format="json"
    )
    assert again.status_code == 201
