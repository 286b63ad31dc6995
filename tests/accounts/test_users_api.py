"""The AI Pasta plan's user API: `/api/users/profile` and `/api/users/settings` (GET, PUT/PATCH), for the
signed-in user only, as the account pages are. The plan's own example requests are the test data."""

import pytest
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create

pytestmark = pytest.mark.django_db

# PUT /api/users/profile, as the plan writes it.
SPEC_PROFILE_UPDATE = {"name": "Updated Name", "bio": "AI enthusiast", "preferences": {"theme": "light"}}


def test_profile_shows_the_plans_fields(alice, alice_api):
    data = alice_api.get("/api/users/profile").json()["data"]
    assert data["id"] == str(alice.pk) and data["email"] == "alice@example.com"
    assert data["name"] == "alice"  # no display name yet: the username
    assert data["image"] is None and data["public_profile"] is False and data["public_url"] is None
    assert data["preferences"]["theme"] == "system"
    assert set(data["preferences"]["notifications"]) == {"email", "quota_warnings", "job_updates", "product_updates"}


def test_the_plans_example_update_works_unchanged(alice, alice_api):
    response = alice_api.put("/api/users/profile", SPEC_PROFILE_UPDATE, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["name"], data["bio"], data["preferences"]["theme"]) == ("Updated Name", "AI enthusiast", "light")
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.theme) == ("Updated Name", "AI enthusiast", "light")


def test_patch_changes_only_what_it_names(alice, alice_api):
    alice.bio = "Kept"
    alice.save()
    response = alice_api.patch(
        "/api/users/profile",
        {"public_profile": True, "github": "alice-gh", "website": "https://a.example"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["bio"] == "Kept" and data["github"] == "alice-gh" and data["public_profile"] is True
    assert data["public_url"].endswith("/u/alice")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 51}, "name"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"github": "not/valid"}, "github"),
        ({"public_profile": "perhaps"}, "public_profile"),
        ({"preferences": {"theme": "neon"}}, "preferences"),
        ({"email": "new@example.com"}, "email"),  # the email changes at /api/auth/profile, where it is re-verified
        ({"is_staff": True}, "is_staff"),
    ],
)
def test_bad_or_unknown_fields_are_refused_by_name_and_nothing_changes(alice, alice_api, body, field):
    response = alice_api.patch("/api/users/profile", {"bio": "changed", **body}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and field in error["details"]
    alice.refresh_from_db()
    assert alice.bio == "" and alice.is_staff is False and alice.email == "alice@example.com"


def test_settings_are_the_stored_preferences(alice, alice_api):
    data = alice_api.get("/api/users/settings").json()["data"]
    assert data == {
        "theme": "system",
        "language": "en",
        "default_model": "",
        "notifications": {"email": True, "quota_warnings": True, "job_updates": True, "product_updates": False},
    }


def test_settings_patch_merges_notifications(alice, alice_api):
    body = {"theme": "dark", "notifications": {"quota_warnings": False}}
    response = alice_api.patch("/api/users/settings", body, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["notifications"]["quota_warnings"] is False
    alice.refresh_from_db()
    assert alice.theme == "dark" and alice.notifications["quota_warnings"] is False
    assert alice.notifications["job_updates"] is True


@pytest.mark.parametrize(
    "body",
    [{"theme": "neon"}, {"notifications": {"quota_warnings": "often"}}, {"notifications": {"sms": True}}, {"x": 1}],
)
def test_bad_settings_are_refused(alice, alice_api, body):
    response = alice_api.patch("/api/users/settings", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"
    alice.refresh_from_db()
    assert alice.theme == "system" and alice.notifications["quota_warnings"] is True


@pytest.mark.parametrize("path", ["/api/users/profile", "/api/users/settings"])
def test_only_the_signed_in_user_not_a_key_not_anonymous(alice, bob, path, jwt_for):
    assert APIClient().get(path).status_code == 401
    _, raw = api_key_create(user=alice, name="k", scopes=["ai:read", "ai:write", "usage:read"], expires_in_days=1)
    keyed = APIClient()
    keyed.credentials(HTTP_X_API_KEY=raw)
    refused = keyed.patch(path, {"bio": "by key"} if "profile" in path else {"theme": "dark"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "AUTHORIZATION_ERROR"
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    assert bob_api.get("/api/users/profile").json()["data"]["email"] == "bob@example.com"
    alice.refresh_from_db()
    assert alice.bio == "" and alice.theme == "system"


def test_a_signed_in_browser_session_may_use_it(alice, client):
    client.force_login(alice)
    assert client.get("/api/users/settings").json()["data"]["theme"] == "system"
