import json

import pytest
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = {"username": "carol", "email": "carol@example.com", "password": "Sturdy-pass9"}


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_register_creates_user_and_returns_tokens(api):
    response = api.post("/api/auth/register", GOOD, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["message"] == "User registered successfully"
    assert body["data"]["user"]["username"] == "carol"
    assert body["data"]["user"]["tier"] == "free"
    assert body["data"]["token"] and body["data"]["refresh"]
    assert User.objects.get(email="carol@example.com").check_password("Sturdy-pass9")
    assert bearer(body["data"]["token"]).get("/api/auth/me").json()["data"]["email"] == "carol@example.com"


@pytest.mark.parametrize(
    ("password", "missing"),
    [("alllowercase1", "upper-case"), ("ALLUPPERCASE1", "lower-case"), ("NoDigitsHere", "digit"), ("Sh0rt", "short")],
)
def test_register_refuses_weak_passwords_naming_the_rule(api, password, missing):
    response = api.post("/api/auth/register", {**GOOD, "password": password}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert missing in " ".join(error["details"]["password"]).lower()
    assert not User.objects.filter(email=GOOD["email"]).exists()


@pytest.mark.parametrize("username", ["ab", "x" * 31, "jane.doe", "jane doe", "ünïcode"])
def test_register_refuses_invalid_usernames(api, username):
    response = api.post("/api/auth/register", {**GOOD, "username": username}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["error"]["details"]


def test_register_refuses_duplicate_email_and_username(api, alice):
    response = api.post("/api/auth/register", {**GOOD, "email": "ALICE@example.com"}, format="json")
    assert response.json()["error"]["details"]["email"] == ["An account with this email already exists."]
    response = api.post("/api/auth/register", {**GOOD, "username": "Alice"}, format="json")
    assert response.json()["error"]["details"]["username"] == ["This username is taken."]


def test_register_with_missing_fields_lists_each(api):
    response = api.post("/api/auth/register", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"username", "email", "password"}


def test_login_returns_user_and_tokens(api, alice, password):
    response = api.post("/api/auth/login", {"email": "alice@example.com", "password": password}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["user"]["email"] == "alice@example.com"
    assert data["token"] and data["refresh"]


def test_login_gives_same_answer_for_wrong_password_and_unknown_email(api, alice):
    wrong = api.post("/api/auth/login", {"email": "alice@example.com", "password": "Wrong-pass1"}, format="json")
    unknown = api.post("/api/auth/login", {"email": "nobody@example.com", "password": "Wrong-pass1"}, format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]
    assert wrong.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_login_is_rate_limited_per_email(api, alice):
    for _ in range(5):
        api.post("/api/auth/login", {"email": "alice@example.com", "password": "Wrong-pass1"}, format="json")
    response = api.post("/api/auth/login", {"email": "alice@example.com", "password": "Wrong-pass1"}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert response["Retry-After"] == "60"


def test_me_requires_authentication(api):
    response = api.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_me_rejects_a_forged_token(api):
    response = bearer("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.forged").get("/api/auth/me")
    assert response.status_code == 401


def test_me_shows_profile_and_extension_blocks(alice_api):
    data = alice_api.get("/api/auth/me").json()["data"]
    assert data["username"] == "alice"
    assert "quota" in data and "api_keys" in data
    assert data["preferences"]["theme"] == "system"


def test_profile_update_changes_preferences_and_profile(alice_api, alice):
    payload = {
        "username": "alice2",
        "preferences": {"theme": "dark", "notifications": {"quota_warnings": False}},
        "profile": {"bio": "Builds things", "github": "alice-gh", "public_profile": True},
    }
    response = alice_api.put("/api/auth/profile", payload, format="json")
    assert response.status_code == 200, response.content
    alice.refresh_from_db()
    assert (alice.username, alice.theme, alice.bio, alice.github, alice.public_profile) == (
        "alice2",
        "dark",
        "Builds things",
        "alice-gh",
        True,
    )
    assert alice.notifications["quota_warnings"] is False and alice.notifications["email"] is True


def test_profile_update_rejects_wrong_types_and_unknown_fields(alice_api, alice):
    response = alice_api.put("/api/auth/profile", {"preferences": {"theme": 7}, "is_staff": True}, format="json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "is_staff" in details
    alice.refresh_from_db()
    assert alice.is_staff is False


def test_profile_email_change_to_someone_elses_is_refused(alice_api, bob):
    response = alice_api.put("/api/auth/profile", {"email": "bob@example.com"}, format="json")
    assert response.status_code == 400


def test_password_change_ends_old_tokens_and_accepts_new_password(api, alice, jwt_for, password):
    old = jwt_for(alice)
    client = bearer(old["token"])
    response = client.put(
        "/api/auth/password", {"oldPassword": password, "newPassword": "Fresh-secret22"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Password changed successfully"
    assert client.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/refresh", {"refresh": old["refresh"]}, format="json").status_code == 401
    new = response.json()["data"]
    assert bearer(new["token"]).get("/api/auth/me").status_code == 200
    assert (
        api.post("/api/auth/login", {"email": alice.email, "password": "Fresh-secret22"}, format="json").status_code
        == 200
    )


def test_password_change_with_wrong_old_password_is_refused(alice_api, alice, password):
    response = alice_api.put(
        "/api/auth/password", {"oldPassword": "nope", "newPassword": "Fresh-secret22"}, format="json"
    )
    assert response.status_code == 400
    assert "oldPassword" in response.json()["error"]["details"]
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_password_change_refuses_weak_new_password(alice_api, password):
    response = alice_api.put("/api/auth/password", {"oldPassword": password, "newPassword": "weak"}, format="json")
    assert response.status_code == 400


def test_logout_blacklists_refresh_and_stops_access_token(api, alice, jwt_for):
    tokens = jwt_for(alice)
    client = bearer(tokens["token"])
    assert client.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code == 200
    assert client.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_refresh_rotates_and_blacklists_the_old_token(api, alice, jwt_for):
    tokens = jwt_for(alice)
    first = api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    fresh = first.json()["data"]
    assert fresh["refresh"] != tokens["refresh"]
    assert bearer(fresh["token"]).get("/api/auth/me").status_code == 200
    replay = api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_refresh_with_garbage_is_an_authentication_error(api):
    response = api.post("/api/auth/refresh", {"refresh": "garbage"}, format="json")
    assert response.status_code == 401


def test_api_login_with_mfa_requires_a_valid_code(api, alice, password, settings):
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time

    # The code is made for this 30-second window; the login may be checked in the next one.
    settings.MFA_TOTP_TOLERANCE = 1
    secret = "JBSWY3DPEHPK3PXP"
    TOTP.activate(alice, secret)
    without = api.post("/api/auth/login", {"email": alice.email, "password": password}, format="json")
    assert without.status_code == 401
    assert without.json()["error"]["details"] == {"mfa_required": True}
    counter = list(yield_hotp_counters_from_time())[1]  # the current window (the middle of -1, 0, +1)
    code = format_hotp_value(hotp_value(secret, counter))
    with_code = api.post("/api/auth/login", {"email": alice.email, "password": password, "code": code}, format="json")
    assert with_code.status_code == 200


def test_access_tokens_are_short_lived_and_refresh_tokens_last_days(settings):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() <= 30 * 60
    assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].days >= 1


def test_register_body_must_be_json_object(api):
    response = api.generic("POST", "/api/auth/register", json.dumps([GOOD]), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
