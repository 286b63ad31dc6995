import pytest

from catalog.models import Provider, UserProviderKey
from catalog.services import user_provider_key_set
from tests.factories import AIModelFactory, ProviderFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _provider_form(provider: Provider, **changes) -> dict:
    data = {
        "slug": provider.slug,
        "name": provider.name,
        "adapter_kind": provider.adapter_kind,
        "base_url": provider.base_url,
        "api_key": "",
        "enabled": "on",
        "notes": "",
    }
    return {**data, **changes}


def test_the_provider_key_is_write_only_and_kept_when_left_blank(admin_client):
    provider = ProviderFactory(slug="lab", adapter_kind="openai_compatible", api_key="sk-lab-secret-9876")
    page = admin_client.get(f"/admin/catalog/provider/{provider.pk}/change/").content.decode()
    assert "sk-lab-secret" not in page
    assert "…9876" in admin_client.get("/admin/catalog/provider/").content.decode()
    response = admin_client.post(f"/admin/catalog/provider/{provider.pk}/change/", _provider_form(provider))
    assert response.status_code == 302
    assert Provider.objects.get(pk=provider.pk).api_key == "sk-lab-secret-9876"
    admin_client.post(f"/admin/catalog/provider/{provider.pk}/change/", _provider_form(provider, api_key="sk-new-1111"))
    assert Provider.objects.get(pk=provider.pk).api_key == "sk-new-1111"
    admin_client.post(f"/admin/catalog/provider/{provider.pk}/change/", _provider_form(provider, clear_api_key="on"))
    assert Provider.objects.get(pk=provider.pk).api_key == ""


def test_admin_lists_open_and_users_keys_stay_hidden(admin_client, alice):
    model = AIModelFactory()
    row = user_provider_key_set(user=alice, provider=model.provider, api_key="sk-alice-secret-4242")
    for url in ("/admin/catalog/aimodel/", f"/admin/catalog/aimodel/{model.pk}/change/", "/admin/catalog/category/"):
        assert admin_client.get(url).status_code == 200
    listing = admin_client.get("/admin/catalog/userproviderkey/").content.decode()
    detail = admin_client.get(f"/admin/catalog/userproviderkey/{row.pk}/change/").content.decode()
    assert "…4242" in listing
    assert "sk-alice-secret" not in listing + detail
    assert UserProviderKey.objects.count() == 1
