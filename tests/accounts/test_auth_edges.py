"""Edges of signing in: OAuth providers that are not set up, the site's own name in emails, the local
verification link, and why two-factor set-up waits for a verified address."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db
SIGNUP = {"email": "dave@example.net", "username": "dave", "password1": "Plenty-long7", "password2": "Plenty-long7"}


@pytest.mark.parametrize("provider", ["google", "github"])
def test_an_oauth_provider_that_is_not_set_up_is_a_404(client, provider):
    assert client.get(f"/accounts/{provider}/login/").status_code == 404
    assert client.post(f"/accounts/{provider}/login/").status_code == 404


def test_emails_name_the_site_from_settings(client):
    site = Site.objects.get_current()
    assert (site.domain, site.name) == (urlsplit(settings.SITE_URL).netloc, settings.SITE_NAME)
    client.post(reverse("account_signup"), SIGNUP)
    message = mail.outbox[-1]
    assert "example.com" not in message.subject + message.body
    assert settings.SITE_NAME in message.subject


def test_locally_the_verification_link_is_printed_on_its_own_line(client, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    client.post(reverse("account_signup"), SIGNUP)
    printed = capsys.readouterr().err
    link = next(
        line.strip() for line in printed.splitlines() if "/accounts/confirm-email/" in line and " " not in line.strip()
    )
    assert "Verify dave@example.net: open" in printed
    assert client.get(urlsplit(link).path).status_code in (200, 302)  # the link as printed works


def test_the_two_factor_page_says_why_a_verified_address_comes_first(client, alice, password):
    client.force_login(alice)
    client.post(reverse("account_reauthenticate"), {"password": password})  # set-up asks for it again
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "needs a verified email address first" in page
    assert reverse("account_email") in page
