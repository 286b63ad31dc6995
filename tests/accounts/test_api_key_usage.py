"""Key use is counted in the shared cache on the hot path and folded into the rows by a beat task."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from accounts.tasks import flush_api_key_usage
from tests.factories import AIModelFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_used_key_shows_its_use_on_the_keys_page_and_reaches_the_database(client, alice):
    demo = ProviderFactory(slug="demo", adapter_kind="demo")
    AIModelFactory(provider=demo, upstream_id="echo", slug="demo/echo")
    from rest_framework.test import APIClient

    from accounts.api_keys import api_key_create

    _, alice_key = api_key_create(user=alice, name="cli", scopes=["ai:read", "ai:write"], expires_in_days=1)
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=alice_key)
    for _ in range(3):
        assert api.post("/api/v1/ai/chat", {"model": "demo/echo", "messages": [{"role": "user", "content": "hi"}]},
                        format="json").status_code == 200  # fmt: skip

    client.force_login(alice)
    page = client.get(reverse("accounts:api-keys"))
    assert page.status_code == 200
    key = ApiKey.objects.get(user=alice)
    assert key.usage_count == 0  # not written on the request path
    assert flush_api_key_usage.apply().get() == 1
    key.refresh_from_db()
    assert key.usage_count == 3 and key.last_used_at is not None
    assert flush_api_key_usage.apply().get() == 0  # nothing pending: a second run changes nothing
    assert ">3<" in client.get(reverse("accounts:api-keys")).content.decode().replace(" ", "")


def test_the_flush_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-flush-api-key-usage"]
    assert entry["task"] == flush_api_key_usage.name
