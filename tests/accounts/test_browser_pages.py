"""Sign-up, sign-in, sign-out and password reset through the allauth pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_page_creates_account_and_signs_in(client):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert b"site-header" in page.content  # our layout, not allauth's bare page
    response = client.post(
        reverse("account_signup"),
        {"email": "dave@example.com", "username": "dave", "password1": "Plenty-long7", "password2": "Plenty-long7"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="dave@example.com")
    assert user.username == "dave" and user.tier == "free"
    assert client.get("/api/auth/me").json()["data"]["email"] == "dave@example.com"
    assert any("dave@example.com" in m.to for m in mail.outbox)  # verification email


def test_signup_page_applies_the_same_password_rules_as_the_api(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "erin@example.com", "username": "erin", "password1": "alllowercase1", "password2": "alllowercase1"},
    )
    assert response.status_code == 200
    assert b"upper-case" in response.content
    assert not User.objects.filter(email="erin@example.com").exists()


def test_signup_page_refuses_invalid_username(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "fay@example.com", "username": "f.a.y", "password1": "Plenty-long7", "password2": "Plenty-long7"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="fay@example.com").exists()


def test_login_and_logout_pages(client, alice, password):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_login_page_with_wrong_password_shows_an_error(client, alice):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": "Wrong-pass1"})
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client, alice):
    client.post(reverse("account_reset_password"), {"email": alice.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"password1": "Brand-new-pw8", "password2": "Brand-new-pw8"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Brand-new-pw8")


def test_password_change_page_ends_api_tokens(client, alice, password, jwt_for):
    from rest_framework.test import APIClient

    tokens = jwt_for(alice)
    client.force_login(alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": "Changed-pass5", "password2": "Changed-pass5"},
    )
    assert response.status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['token']}")
    assert api.get("/api/auth/me").status_code == 401


def test_user_turns_on_totp_and_then_needs_a_code_to_sign_in(client, alice, password):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    def current_code(secret: str) -> str:
        return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))

    client.force_login(alice)
    first = client.get(reverse("mfa_activate_totp"))
    assert first.status_code == 302 and "reauthenticate" in first["Location"]  # sensitive: asks for the password
    client.post(first["Location"], {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200 and b"site-header" in page.content
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.RECOVERY_CODES).exists()

    client.logout()
    step = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert step.status_code == 302 and "2fa" in step["Location"]
    assert "_auth_user_id" not in client.session  # the password alone is not enough
    client.post(step["Location"], {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_home_page_explains_the_product_and_links_to_signup(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Every model, one switchboard" in response.content
    assert reverse("account_signup").encode() in response.content


def test_theme_choice_is_remembered_on_the_account(client, alice):
    client.force_login(alice)
    assert client.post(reverse("accounts:set-theme"), {"theme": "dark"}).status_code == 204
    alice.refresh_from_db()
    assert alice.theme == "dark"
    assert b'data-theme="dark"' in client.get("/").content
    assert client.post(reverse("accounts:set-theme"), {"theme": "neon"}).status_code == 400


def test_maintenance_banner_from_system_settings_shows_on_every_page(client):
    from usage.models import SystemSetting

    SystemSetting.objects.create(key="maintenance_banner", value="Upgrading at 22:00 UTC", type="string")
    assert b"Upgrading at 22:00 UTC" in client.get("/").content
    assert b"Upgrading at 22:00 UTC" in client.get(reverse("account_login")).content


def test_signup_can_be_closed_by_an_administrator(client, api):
    from usage.models import SystemSetting

    SystemSetting.objects.create(key="signup_enabled", value=False, type="boolean")
    page = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in page.content or b"closed" in page.content.lower()
    response = api.post(
        "/api/auth/register", {"username": "gus", "email": "gus@example.com", "password": "Plenty-long7"}, format="json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="gus@example.com").exists()
