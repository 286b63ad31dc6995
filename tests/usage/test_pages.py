"""Dashboard, API keys and settings pages."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["usage:dashboard", "usage:api-keys", "usage:settings"])
def test_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_shows_quota_bars_and_chart_data(client, alice):
    client.force_login(alice)
    page = client.get(reverse("usage:dashboard")).content.decode()
    assert "Daily requests" in page and "0 / 50" in page  # free tier
    assert 'id="chart-data"' in page and "chart.umd.min.js" in page


def test_api_key_is_shown_once_and_can_be_revoked(client, alice, bob):
    client.force_login(alice)
    created = client.post(
        reverse("usage:api-keys"), {"name": "ci", "scopes": ["ai:read", "ai:write"], "expires_in": "90"}
    )
    assert created.status_code == 302  # post/redirect/get: a reload cannot create a second key
    body = client.get(reverse("usage:api-keys")).content.decode()
    key = ApiKey.objects.get(user=alice, name="ci")
    assert f'value="{key.prefix}' in body  # the full key, once
    again = client.get(reverse("usage:api-keys")).content.decode()
    assert key.prefix in again and 'id="new-key"' not in again
    client.force_login(bob)
    assert client.post(reverse("usage:api-key-revoke", args=[key.pk])).status_code == 404
    client.force_login(alice)
    client.post(reverse("usage:api-key-revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_settings_save_preferences(client, alice):
    client.force_login(alice)
    client.post(
        reverse("usage:settings"),
        {"form": "preferences", "theme": "dark", "default_model": "", "notify_quota": "on"},
    )
    alice.refresh_from_db()
    assert alice.theme == "dark"
    assert alice.notifications["quota_warnings"] is True and alice.notifications["email"] is False


def test_delete_account_from_settings_needs_password(client, alice, password):
    client.force_login(alice)
    client.post(reverse("usage:delete-account"), {"confirm": "DELETE", "password": "wrong"})
    alice.refresh_from_db()
    assert alice.status == "active"
    client.post(reverse("usage:delete-account"), {"confirm": "DELETE", "password": password})
    alice.refresh_from_db()
    assert alice.status == "deleted"
    assert "_auth_user_id" not in client.session
