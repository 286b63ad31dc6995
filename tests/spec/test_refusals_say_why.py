"""Issue 16, item 12: a refusal says what is wrong. An admin-added provider whose URL leads to a private
address is not called, and the caller is told that (not "the provider refused the request"); an invalid
JWT and a junk Bearer beside a valid X-API-Key are pinned in tests/accounts/test_authentication.py."""

import pytest

from tests.factories import AIModelFactory, ProviderFactory
from tests.spec.conftest import SPEC_CHAT
from usage.models import Generation

pytestmark = pytest.mark.django_db


def test_a_provider_on_a_private_address_is_not_called_and_the_caller_is_told_why(
    alice_keyed, fake_upstream, settings
):
    settings.ALLOW_PRIVATE_URLS = False  # production: admin-added URLs may not reach private addresses
    settings.PROVIDER_MAX_RETRIES = 0
    lab = ProviderFactory(slug="lab", adapter_kind="openai_compatible", base_url=fake_upstream.base_url("openai"),
                          api_key="k", is_custom=True)  # fmt: skip
    model = AIModelFactory(provider=lab, upstream_id="gpt-4o-mini@private")

    response = alice_keyed.post("/api/v1/ai/chat", {**SPEC_CHAT, "model": model.slug}, format="json")

    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "PROVIDER_ERROR" and error["details"]["kind"] == "blocked_address"
    assert "did not call the provider" in error["message"] and "private" in error["message"]
    assert "refused the request" not in error["message"] and "127.0.0.1" not in error["message"]
    assert fake_upstream.requests("openai", "gpt-4o-mini@private") == 0
    assert Generation.objects.get().cost == 0
