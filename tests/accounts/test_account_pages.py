"""The account pages: API keys, settings (preferences, provider keys), export and deletion."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["accounts:api-keys", "accounts:settings", "accounts:export"])
def test_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_api_key_is_shown_once_and_can_be_revoked(client, alice, bob):
    client.force_login(alice)
    created = client.post(
        reverse("accounts:api-keys"), {"name": "ci", "scopes": ["ai:read", "ai:write"], "expires_in": "90"}
    )
    assert created.status_code == 302  # post/redirect/get: a reload cannot create a second key
    body = client.get(reverse("accounts:api-keys")).content.decode()
    key = ApiKey.objects.get(user=alice, name="ci")
    assert f'value="{key.prefix}' in body  # the full key, once
    again = client.get(reverse("accounts:api-keys")).content.decode()
    assert key.prefix in again and 'id="new-key"' not in again
    client.force_login(bob)
    assert client.post(reverse("accounts:api-key-revoke", args=[key.pk])).status_code == 404
    client.force_login(alice)
    client.post(reverse("accounts:api-key-revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_settings_save_preferences(client, alice):
    client.force_login(alice)
    client.post(
        reverse("accounts:settings"),
        {"form": "preferences", "theme": "dark", "default_model": "", "notify_quota": "on"},
    )
    alice.refresh_from_db()
    assert alice.theme == "dark"
    assert alice.notifications["quota_warnings"] is True and alice.notifications["email"] is False


def test_delete_account_from_settings_needs_password(client, alice, password):
    client.force_login(alice)
    client.post(reverse("accounts:delete-account"), {"confirm": "DELETE", "password": "wrong"})
    alice.refresh_from_db()
    assert alice.status == "active"
    client.post(reverse("accounts:delete-account"), {"confirm": "DELETE", "password": password})
    alice.refresh_from_db()
    assert alice.status == "deleted"
    assert "_auth_user_id" not in client.session


def test_a_users_own_provider_key_is_saved_encrypted_shown_by_its_last_four_and_removed(client, alice, bob):
    from catalog.models import UserProviderKey
    from tests.factories import ProviderFactory

    provider = ProviderFactory(slug="lab", name="Lab", adapter_kind="openai", base_url="https://lab.example.com/v1")
    client.force_login(alice)
    saved = client.post(
        reverse("accounts:settings"), {"form": "provider_key", "provider": provider.pk, "api_key": "sk-lab-alice-7788"}
    )
    assert saved.status_code == 302
    row = UserProviderKey.objects.get(user=alice, provider=provider)
    assert row.api_key == "sk-lab-alice-7788"
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "…7788" in page and "sk-lab-alice-7788" not in page
    client.force_login(bob)
    client.post(reverse("playground:provider-key-delete", args=[provider.pk]))
    assert UserProviderKey.objects.filter(user=alice).exists()  # bob removes only his own (none)
    client.force_login(alice)
    client.post(reverse("playground:provider-key-delete", args=[provider.pk]))
    assert not UserProviderKey.objects.filter(user=alice).exists()


def test_the_default_model_is_chosen_among_the_catalogs_chat_models(client, alice):
    from tests.factories import AIModelFactory

    AIModelFactory(slug="lab/chatty", display_name="Chatty", kind="chat")
    client.force_login(alice)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert '<option value="lab/chatty">Chatty</option>' in page
    client.post(reverse("accounts:settings"), {"form": "preferences", "theme": "light", "default_model": "lab/chatty"})
    alice.refresh_from_db()
    assert alice.default_model == "lab/chatty"
    client.post(reverse("accounts:settings"), {"form": "preferences", "theme": "light", "default_model": "nope/x"})
    alice.refresh_from_db()
    assert alice.default_model == "lab/chatty"  # not a choice: refused
