"""The user page: usage this month, API keys (revoke), webhooks, quota reset."""

import pytest
from django.urls import reverse

from accounts.api_keys import api_key_create
from tests.factories import GenerationFactory, WebhookEndpointFactory
from usage import counters
from usage import limits as limiter
from usage.settings_store import tier_limits

pytestmark = pytest.mark.django_db


def _admit(user) -> None:
    tier = tier_limits(user.tier)
    limits = limiter.Limits(per_minute=100, quotas={"daily": tier["daily"] or -1}, budget_nano=-1)
    admission = limiter.admit(user_id=user.pk, limits=limits)
    counters.settle(
        ticket=admission.ticket, charge=counters.Charge(model_slug="m/x", tokens=42, cost_nano=10**6, status="success")
    )


def test_user_page_shows_usage_keys_and_webhooks(client, administrator, alice):
    GenerationFactory(user=alice, total_tokens=42)  # usage figures are read from the ledger
    WebhookEndpointFactory(user=alice, url="https://hooks.example.com/alice")
    client.force_login(administrator)
    page = client.get(reverse("admin:accounts_user_change", args=[alice.pk])).content.decode()
    assert "1 requests · 42 tokens" in page
    assert "https://hooks.example.com/alice" in page


def _change_form_data(response) -> dict:
    """What the browser would post back unchanged: the main form's values and each inline's management data."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for i, key_form in enumerate(formset.forms):
            data[f"{formset.prefix}-{i}-id"] = key_form.instance.pk
            data[f"{formset.prefix}-{i}-user"] = key_form.instance.user_id
    return data


def test_admin_revokes_a_key_from_the_user_page(client, administrator, alice):
    key, _ = api_key_create(user=alice, name="ci", scopes=["chat"], expires_in_days=None)
    client.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    response = client.get(url)
    assert key.prefix in response.content.decode()
    data = _change_form_data(response)
    data["api_keys-0-revoke"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_reset_quotas_clears_the_request_counters(client, administrator, alice):
    _admit(alice)
    assert counters.quota_used(user_id=alice.pk)["daily"] == 1
    client.force_login(administrator)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_quotas", "_selected_action": [alice.pk]},
    )
    assert counters.quota_used(user_id=alice.pk)["daily"] == 0
