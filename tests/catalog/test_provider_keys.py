import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from catalog import fields
from catalog.models import Provider, UserProviderKey
from catalog.selectors import model_resolve
from catalog.services import key_source_for, provider_config_for, user_provider_key_delete, user_provider_key_set
from tests.factories import AIModelFactory, ProviderFactory

OLD_KEY = "W3qd6aiJTe-uUER00yb-jo_VKyZH5jH7Fp4u8cKrsIg="
NEW_KEY = "n1aJ3qQvYb5hJ0Gm2tH9C2y7c4mZr6pE1wX8kD0sVfA="
ENV = {"openai": {"api_key": "sk-env-key", "base_url": "https://api.openai.com/v1"}}


def _raw_column(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT api_key FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_users_key_is_stored_as_ciphertext_and_shown_as_last_four(alice, openai_provider):
    row = user_provider_key_set(user=alice, provider=openai_provider, api_key="sk-alice-secret-1234")
    assert row.masked == "…1234"
    raw = _raw_column("catalog_userproviderkey", row.pk)
    assert "sk-alice" not in raw and raw.startswith("gAAAA")
    assert UserProviderKey.objects.get(pk=row.pk).api_key == "sk-alice-secret-1234"


@pytest.mark.django_db
@override_settings(PROVIDER_SETTINGS=ENV)
def test_key_precedence_is_own_key_then_provider_row_then_environment(alice, bob, openai_provider):
    assert provider_config_for(provider=openai_provider, user=alice).api_key == "sk-env-key"
    openai_provider.api_key = "sk-admin-key"
    openai_provider.save()
    assert provider_config_for(provider=openai_provider, user=alice).api_key == "sk-admin-key"
    user_provider_key_set(user=alice, provider=openai_provider, api_key="sk-alice-0001")
    assert provider_config_for(provider=openai_provider, user=alice).api_key == "sk-alice-0001"
    assert key_source_for(provider=openai_provider, user=alice) == "user"
    assert key_source_for(provider=openai_provider, user=bob) == "provider"
    assert user_provider_key_delete(user=alice, provider=openai_provider)
    assert key_source_for(provider=openai_provider, user=alice) == "provider"


@pytest.mark.django_db
@override_settings(PROVIDER_SETTINGS=ENV, ALLOW_PRIVATE_URLS=False, PROVIDER_READ_TIMEOUT=42.0)
def test_custom_providers_use_their_own_url_and_never_the_platform_key():
    custom = ProviderFactory(
        slug="lab-vllm", adapter_kind="openai", is_custom=True, base_url="http://10.0.0.5:8000/v1/"
    )
    config = provider_config_for(provider=custom)
    assert (config.base_url, config.api_key, config.allow_private) == ("http://10.0.0.5:8000/v1", "", False)
    assert config.read_timeout == 42.0
    builtin = provider_config_for(provider=ProviderFactory(slug="openai", adapter_kind="openai"))
    assert (builtin.base_url, builtin.api_key) == ("https://api.openai.com/v1", "sk-env-key")
    assert builtin.allow_private is True


@pytest.mark.django_db
def test_rotation_re_encrypts_every_secret_with_the_newest_key(alice, openai_provider):
    openai_provider.api_key = "sk-admin-key"
    openai_provider.save()
    row = user_provider_key_set(user=alice, provider=openai_provider, api_key="sk-alice-0001")
    before = _raw_column("catalog_userproviderkey", row.pk)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_encryption_keys")
        assert fields._fernet((NEW_KEY,)).decrypt(_raw_column("catalog_userproviderkey", row.pk).encode())
        assert fields._fernet((NEW_KEY,)).decrypt(_raw_column("catalog_provider", openai_provider.pk).encode())
    assert _raw_column("catalog_userproviderkey", row.pk) != before
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert UserProviderKey.objects.get(pk=row.pk).api_key == "sk-alice-0001"
        assert Provider.objects.get(pk=openai_provider.pk).api_key == "sk-admin-key"


@pytest.mark.django_db
def test_models_resolve_by_slug_id_or_unambiguous_upstream_id(openai_provider):
    model = AIModelFactory(provider=openai_provider, upstream_id="gpt-4o-mini")
    assert model_resolve("openai/gpt-4o-mini") == model
    assert model_resolve(str(model.pk)) == model
    assert model_resolve("gpt-4o-mini") == model
    AIModelFactory(provider=ProviderFactory(slug="openrouter"), upstream_id="gpt-4o-mini")
    assert model_resolve("nope/missing") is None
