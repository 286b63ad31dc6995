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


def _books(user) -> dict:
    """What was billed, as the ledger, the user's rollups, the platform's rollups and the usage API say it."""
    from django.db.models import Sum

    from usage.models import DailyRollup, Generation, UsageDay
    from usage.selectors import usage_summary

    summary = usage_summary(user=user, start=None, end=None, model=None)
    return {
        "ledger": sorted(Generation.objects.filter(user_id=user.pk).values_list("id", "cost", "total_tokens")),
        "usage_days": UsageDay.objects.filter(user_id=user.pk).aggregate(r=Sum("requests"), c=Sum("cost")),
        "platform": DailyRollup.objects.aggregate(r=Sum("requests"), c=Sum("cost")),
        "usage": (summary["total_requests"], summary["total_tokens"], summary["total_cost"]),
    }


@pytest.fixture
def billed_alice(alice):
    """Alice's calls today and on a closed day, rolled up as the beat task does."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from usage.rollups import rollup_days

    GenerationFactory(user=alice, cost=Decimal("0.25"), total_tokens=40)
    GenerationFactory(user=alice, cost=Decimal("0.50"), total_tokens=60, created_at=timezone.now() - timedelta(days=3))
    today = timezone.localdate()
    rollup_days(first=today - timedelta(days=5), last=today)
    return alice


def test_deleting_a_billed_user_in_the_admin_keeps_every_ledger_row_and_total(client, administrator, billed_alice):
    from accounts.models import User

    before = _books(billed_alice)
    assert before["usage"] == (2, 100, "0.75000000") and len(before["ledger"]) == 2
    client.force_login(administrator)
    url = reverse("admin:accounts_user_delete", args=[billed_alice.pk])

    page = client.get(url)
    assert page.status_code == 200 and "Erase the account instead" in page.content.decode()
    client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=billed_alice.pk).exists()
    assert _books(billed_alice) == before

    # The list page's bulk delete goes the same way.
    selected = {"action": "delete_selected", "_selected_action": [billed_alice.pk], "post": "yes"}
    response = client.post(reverse("admin:accounts_user_changelist"), selected, follow=True)
    assert "Erase the account instead" in response.content.decode()
    assert User.objects.filter(pk=billed_alice.pk).exists()
    assert _books(billed_alice) == before


def test_a_user_with_nothing_billed_can_still_be_deleted_in_the_admin(client, administrator, bob):
    from accounts.models import User

    client.force_login(administrator)
    client.post(reverse("admin:accounts_user_delete", args=[bob.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=bob.pk).exists()


def test_erasing_an_account_in_the_admin_anonymises_it_and_keeps_the_billed_figures(
    client, administrator, billed_alice
):
    from accounts.models import Status, User
    from usage.models import Generation

    before = _books(billed_alice)
    client.force_login(administrator)
    selected = {"action": "erase_accounts", "_selected_action": [billed_alice.pk]}
    response = client.post(reverse("admin:accounts_user_changelist"), selected, follow=True)
    assert "1 account(s) erased." in response.content.decode()
    erased = User.objects.get(pk=billed_alice.pk)
    assert erased.status == Status.DELETED and erased.email.endswith("@deleted.invalid")
    assert not Generation.objects.filter(user=erased).exclude(content="").exists()
    assert _books(erased) == before


def test_a_user_whose_ledger_rows_retention_removed_is_still_held_by_the_usage_rollups(client, administrator, bob):
    """Retention deletes closed days' ledger rows; what the user was billed for them stays in the
    per-user rollups, which hold the user as the ledger did."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db.models import Sum
    from django.utils import timezone

    from accounts.models import User
    from usage.management.commands.prune_generations import generations_prune
    from usage.models import Generation, UsageDay

    GenerationFactory(user=bob, cost=Decimal("2"), created_at=timezone.now() - timedelta(days=40))
    assert generations_prune(older_than_days=30) == 1
    assert not Generation.objects.filter(user=bob).exists()
    client.force_login(administrator)
    page = client.post(reverse("admin:accounts_user_delete", args=[bob.pk]), {"post": "yes"})
    assert "Usage days: kept for billing" in page.content.decode()
    assert User.objects.filter(pk=bob.pk).exists()
    assert UsageDay.objects.filter(user=bob).aggregate(c=Sum("cost"))["c"] == Decimal("2")


def test_removing_a_key_or_a_conversation_outright_keeps_their_ledger_rows(alice):
    """The ledger's other references let go (SET_NULL): the billed row stays, only the link goes."""
    from decimal import Decimal

    from playground.models import Conversation

    key = api_key_create(user=alice, name="k", scopes=["ai:write"], expires_in_days=1)[0]
    conversation = Conversation.objects.create(owner=alice, title="t", models=[])
    row = GenerationFactory(user=alice, api_key=key, conversation=conversation, cost=Decimal("0.5"))
    key.delete()
    Conversation.all_objects.filter(pk=conversation.pk).delete()
    row.refresh_from_db()
    assert (row.api_key_id, row.conversation_id, row.cost) == (None, None, Decimal("0.5"))


def test_a_superuser_cannot_delete_a_billed_call_in_the_ledger_admin(client, administrator, billed_alice):
    """Billed rows leave only by retention: neither the row's delete page nor the bulk action removes one."""
    from usage.models import Generation

    row = Generation.objects.filter(user=billed_alice).first()
    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    client.force_login(administrator)

    assert client.post(reverse("admin:usage_generation_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:usage_generation_changelist")).content.decode()
    assert "delete_selected" not in changelist
    selected = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    client.post(reverse("admin:usage_generation_changelist"), selected)
    assert Generation.objects.filter(user=billed_alice).count() == 2
