"""Billing rows are immutable: deleting a conversation, editing a turn or erasing an account changes
what is shown, never what was billed; retention removes only closed days, whose rollups stay."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_delete_account
from playground.models import Conversation
from tests.factories import GenerationFactory
from usage.models import ClosedDay, DailyRollup, Generation, UsageDay
from usage.rollups import rollup_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(alice):
    """A conversation of two turns with three billed answers, and a call outside any conversation."""
    conversation = Conversation.objects.create(owner=alice, title="Rivers of Europe", models=["m/a"])
    for turn, cost in ((0, "0.00100000"), (1, "0.00200000"), (1, "0.00400000")):
        GenerationFactory(
            user=alice, conversation=conversation, turn=turn, cost=Decimal(cost), total_tokens=10,
            content="The Danube is long.",
        )  # fmt: skip
    GenerationFactory(user=alice, cost=Decimal("0.00800000"), total_tokens=10)
    return conversation


def _figures(client) -> tuple[dict, list]:
    usage = client.get("/api/v1/ai/usage").json()["data"]
    log = client.get("/api/v1/usage").json()["data"]["items"]
    return (
        {k: usage["usage"][k] for k in ("total_requests", "total_tokens", "total_cost")}
        | {"daily": usage["quota"]["daily"]["used"], "budget": usage["quota"]["budget"]["used"]},
        sorted((row["id"], row["cost"]) for row in log),
    )


def test_deleting_a_conversation_in_the_pages_keeps_every_billed_row(client, alice, alice_keyed, billed):
    before = _figures(alice_keyed)
    assert before[0] == {
        "total_requests": 4, "total_tokens": 40, "total_cost": "0.01500000", "daily": 4, "budget": "0.01500000",
    }  # fmt: skip
    client.force_login(alice)
    assert client.post(reverse("playground:delete", args=[billed.pk])).status_code == 302
    assert client.get(billed.get_absolute_url()).status_code == 404
    history = client.get(reverse("playground:history"), {"q": "Danube"}).content.decode()
    assert "Rivers of Europe" not in history
    assert _figures(alice_keyed) == before
    assert Generation.objects.filter(user=alice).aggregate(c=Sum("cost"))["c"] == Decimal("0.015")


def test_deleting_a_session_through_the_api_keeps_every_billed_row(alice_keyed, billed):
    before = _figures(alice_keyed)
    response = alice_keyed.delete(f"/api/v1/sessions/{billed.pk}")
    assert response.status_code == 200
    assert alice_keyed.get(f"/api/v1/sessions/{billed.pk}").status_code == 404
    assert alice_keyed.get("/api/v1/sessions").json()["data"]["pagination"]["total"] == 0
    assert _figures(alice_keyed) == before
    deleted = Conversation.all_objects.get(pk=billed.pk)
    assert deleted.title == "" and deleted.deleted_at is not None  # its text is gone


def test_edited_turns_leave_the_conversation_but_not_the_usage(client, alice, alice_keyed, billed):
    from playground.pages.chat import _next_turn

    before = _figures(alice_keyed)
    assert _next_turn(billed, 1) == 1  # what sending an edit of turn 1 does first
    turns = alice_keyed.get(f"/api/v1/sessions/{billed.pk}").json()["data"]["generations"]
    assert [g["cost"] for g in turns] == ["0.00100000"]
    assert _figures(alice_keyed) == before


def test_erasing_an_account_keeps_anonymous_money_facts(alice, alice_keyed, billed):
    before = _figures(alice_keyed)
    user_delete_account(user=alice)
    rows = Generation.objects.filter(user=alice)
    assert rows.count() == 4 and rows.aggregate(c=Sum("cost"), t=Sum("total_tokens")) == {
        "c": Decimal("0.015"), "t": 40,
    }  # fmt: skip
    assert not rows.exclude(content="").exists() and not rows.exclude(input_messages=[]).exists()
    assert not rows.filter(ip__isnull=False).exists()
    assert all(g.created_at == g.created_at.replace(hour=0, minute=0, second=0, microsecond=0) for g in rows)
    assert not Conversation.all_objects.filter(owner=alice).exclude(title="").exists()
    from usage.selectors import usage_summary

    summary = usage_summary(user=alice, start=None, end=None, model=None)
    assert (summary["total_requests"], summary["total_cost"]) == (before[0]["total_requests"], "0.01500000")


def _old_calls(user, days_ago: int, count: int) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    for _ in range(count):
        GenerationFactory(user=user, created_at=when, cost=Decimal("0.00100000"), total_tokens=7)


def test_rollups_of_pruned_days_survive_a_later_rollup(alice):
    _old_calls(alice, 40, 3)
    _old_calls(alice, 2, 2)
    call_command("prune_generations", "--older-than", "30")
    assert Generation.objects.count() == 2  # only the rows of the closed days went
    day = (timezone.now() - timedelta(days=40)).date()
    assert ClosedDay.objects.filter(day=day).exists()
    call_command("rollup_usage", "--days", "90")  # the default range spans the pruned days
    assert DailyRollup.objects.filter(day=day).aggregate(n=Sum("requests"))["n"] == 3
    assert UsageDay.objects.filter(day=day, user=alice).aggregate(c=Sum("cost"))["c"] == Decimal("0.003")
    from usage.selectors import usage_summary

    summary = usage_summary(user=alice, start=day, end=timezone.now().date(), model=None)
    assert summary["total_requests"] == 5 and summary["total_cost"] == "0.00500000"


def test_a_day_that_has_not_ended_is_never_closed_or_pruned(alice):
    _old_calls(alice, 0, 2)
    today = timezone.localdate()
    rollup_days(first=today - timedelta(days=3), last=today)
    assert not ClosedDay.objects.filter(day=today).exists()
    assert ClosedDay.objects.filter(day=today - timedelta(days=3)).exists()
    call_command("prune_generations", "--older-than", "1")
    assert Generation.objects.count() == 2
