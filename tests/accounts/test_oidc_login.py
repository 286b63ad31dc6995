"""A full sign-in through the generic OpenID Connect provider against a fake identity provider."""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.test import override_settings

from accounts.models import User
from tests.accounts.fake_idp import FakeIdentityProvider

pytestmark = pytest.mark.django_db

OIDC_USER = {
    "sub": "employee-4711",
    "email": "jane.doe@corp.example",
    "email_verified": True,
    "name": "Jane Doe",
    "preferred_username": "jane.doe",
}


def _providers(idp: FakeIdentityProvider) -> dict:
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "corp",
                    "name": "Corp SSO",
                    "client_id": idp.client_id,
                    "secret": idp.client_secret,
                    "settings": {"server_url": idp.url},
                }
            ]
        }
    }


@pytest.fixture
def idp():
    with FakeIdentityProvider(client_id="switchboard", client_secret="s3cret", user=OIDC_USER) as provider:  # noqa: SIM117
        # The provider's URL is only known once it listens, so the settings come second.
        with override_settings(SOCIALACCOUNT_PROVIDERS=_providers(provider)):
            yield provider


def _sign_in_through(client, idp: FakeIdentityProvider):
    start = client.post("/accounts/oidc/corp/login/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{idp.url}/authorize")
    # The browser visits the identity provider, which sends it back with a code.
    back = httpx.get(authorize, follow_redirects=False)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    assert callback.path == "/accounts/oidc/corp/login/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def test_new_user_signs_in_through_company_identity_provider(client, idp):
    response = _sign_in_through(client, idp)

    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(email="jane.doe@corp.example")
    assert user.username == "janedoe"  # "jane.doe" made valid: letters and digits only
    assert user.socialaccount_set.get().uid == "employee-4711"
    # The token endpoint was really called with the code the provider issued.
    assert idp.token_requests and idp.token_requests[0]["grant_type"] == ["authorization_code"]
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["data"]["email"] == "jane.doe@corp.example"


def test_second_sign_in_reuses_the_same_account(client, idp):
    _sign_in_through(client, idp)
    client.logout()
    _sign_in_through(client, idp)
    assert User.objects.filter(email="jane.doe@corp.example").count() == 1


def test_suspended_user_cannot_sign_in_through_identity_provider(client, idp):
    _sign_in_through(client, idp)
    User.objects.filter(email="jane.doe@corp.example").update(status="suspended")
    client.logout()
    _sign_in_through(client, idp)
    assert client.get("/api/auth/me").status_code == 401


def test_login_is_refused_when_identity_provider_rejects_the_code(client, idp):
    start = client.post("/accounts/oidc/corp/login/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    response = client.get(f"/accounts/oidc/corp/login/callback/?code=forged&state={state}")
    assert response.status_code == 401  # allauth's "login failed" page
    assert b"Third-Party Login Failure" in response.content
    assert not User.objects.filter(email="jane.doe@corp.example").exists()
