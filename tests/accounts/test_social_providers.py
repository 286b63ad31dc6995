"""Google and GitHub sign-in are switched on by their environment variables."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROVIDERS = {
    "google": {"APPS": [{"client_id": "g-client", "secret": "g-secret"}], "SCOPE": ["profile", "email"]},
    "github": {"APPS": [{"client_id": "gh-client", "secret": "gh-secret"}], "SCOPE": ["read:user", "user:email"]},
}


@override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS)
def test_login_page_offers_configured_social_providers(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/google/login/" in page
    assert "/accounts/github/login/" in page


@override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS)
@pytest.mark.parametrize(
    ("provider", "host", "client_id"),
    [("google", "accounts.google.com", "g-client"), ("github", "github.com", "gh-client")],
)
def test_social_login_sends_the_browser_to_the_provider_with_our_client_id(client, provider, host, client_id):
    response = client.post(f"/accounts/{provider}/login/")
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.hostname == host
    query = parse_qs(target.query)
    assert query["client_id"] == [client_id]
    assert query["redirect_uri"][0].endswith(f"/accounts/{provider}/login/callback/")
    assert query["state"][0]


def test_without_configuration_no_social_buttons_are_shown(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/google/login/" not in page


@override_settings(SOCIALACCOUNT_PROVIDERS={})
def test_connected_accounts_says_why_there_is_nothing_to_connect(client, alice):
    client.force_login(alice)
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "No sign-in with Google, GitHub or single sign-on is set up on this site" in page
    assert "Add a Third-Party Account" not in page  # no heading over an empty list


@override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS)
def test_connected_accounts_offers_the_configured_providers(client, alice):
    client.force_login(alice)
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Add a Third-Party Account" in page and "/accounts/google/login/" in page
    assert "No sign-in with Google" not in page
