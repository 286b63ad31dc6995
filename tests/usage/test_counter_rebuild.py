"""Counters that survive Redis: when Redis lost a user's counters (a restart without persistence, a
failover, a flush), their first admission rebuilds them from the ledger before counting, so quotas,
the minute's rate limit and the budget hold where they were."""

from datetime import timedelta
from decimal import Decimal

import openai
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from config import store
from config.api.exceptions import ApiError
from playground.models import JobStatus, VideoJob
from tests.factories import GenerationFactory
from tests.ledger import flush_ledger
from usage import admission, counters
from usage import limits as limiter
from usage.limits import UNLIMITED, Limits, to_nano

pytestmark = pytest.mark.django_db(transaction=True)


def _lose_redis() -> None:
    """What a Redis restart without persistence leaves: nothing."""
    if store.uses_redis():
        store.redis_client().flushdb()
    else:
        cache.clear()  # the embedded default: this process's memory, lost with the process


@pytest.fixture(params=["redis", "memory"])
def backend(request, monkeypatch):
    if request.param == "memory":
        monkeypatch.setattr(store, "uses_redis", lambda: False)
    elif not store.uses_redis():
        pytest.skip("needs REDIS_URL (a real Redis); CI always sets it")
    return request.param


def _limits(**quotas: int) -> Limits:
    return Limits(per_minute=quotas.pop("per_minute", UNLIMITED), quotas=quotas, budget_nano=quotas.pop("budget", -1))


@pytest.mark.redis
def test_spend_lose_redis_and_the_quota_rate_limit_and_budget_hold_where_they_were(
    app_server, alice, alice_key, make_model
):
    alice.monthly_budget_usd = Decimal("0.01")
    alice.save()
    model = make_model(input_price_per_1m=Decimal("10"), output_price_per_1m=Decimal("10"))
    client = openai.OpenAI(base_url=f"{app_server.url}/v1", api_key=alice_key, max_retries=0, timeout=20)

    def call() -> openai.types.chat.ChatCompletion:
        return client.chat.completions.create(model=model.slug, messages=[{"role": "user", "content": "count me"}])

    for _ in range(9):  # the free tier: 10 a minute, 50 a day
        call()
    flush_ledger()
    before = counters.quota_used(user_id=alice.pk)
    assert before["daily"] == 9 and before["spent"] > 0

    _lose_redis()
    assert counters.quota_used(user_id=alice.pk)["daily"] == 0

    response = client.chat.completions.with_raw_response.create(
        model=model.slug, messages=[{"role": "user", "content": "count me"}]
    )
    assert response.headers["X-RateLimit-Remaining"] == "0"  # the 10th call of the minute, not the 1st
    cost = to_nano(Decimal(str(response.parse().usage.total_tokens)) * Decimal("10") / 10**6)
    after = counters.quota_used(user_id=alice.pk)
    assert after["daily"] == after["weekly"] == after["monthly"] == 10
    assert after["spent"] == before["spent"] + cost and after["held"] == 0
    with pytest.raises(openai.RateLimitError) as refused:
        call()
    assert refused.value.body["code"] == "rate_limit_exceeded"


def test_a_budget_spent_before_the_loss_still_refuses(backend, alice):
    GenerationFactory.create_batch(2, user=alice, cost=Decimal("0.005"))  # $0.01: all of it
    limits = _limits(budget=to_nano(Decimal("0.01")))
    _lose_redis()
    with pytest.raises(ApiError) as refusal:
        admission.admit(user=alice, limits=limits, reserve_nano=1)
    assert refusal.value.code == "QUOTA_EXCEEDED" and refusal.value.details["quota"] == "monthly_budget"
    used = counters.quota_used(user_id=alice.pk)
    assert used["spent"] == to_nano(Decimal("0.01")) and used["daily"] == 2  # rebuilt, the refusal not counted


def test_each_window_counts_only_its_own_calls(backend, alice, monkeypatch):
    now = timezone.now().replace(day=20, hour=12)  # a day well inside its month
    monkeypatch.setattr(limiter, "clock", lambda: now.timestamp())
    for age in (timedelta(seconds=5), timedelta(hours=3), timedelta(days=1), timedelta(days=8), timedelta(days=40)):
        GenerationFactory(user=alice, created_at=now - age, cost=Decimal("0.001"))
    admission.admit(user=alice, limits=_limits(daily=100), reserve_nano=0)
    used = counters.quota_used(user_id=alice.pk)
    in_week = sum(1 for age in (0, 3 / 24, 1, 8) if now - timedelta(days=age) >= now - timedelta(days=now.weekday()))
    assert used["daily"] == 3  # the two of today, and this call
    assert used["weekly"] == 1 + in_week
    assert used["monthly"] == 5  # the 40-day-old call is last month's
    assert used["spent"] == to_nano(Decimal("0.004"))


def test_a_rebuild_never_lowers_a_counter(backend, alice):
    GenerationFactory(user=alice, cost=Decimal("0.001"))
    admission.admit(user=alice, limits=_limits(), reserve_nano=0)  # builds: 1 row, then this call
    ticket = limiter.admit(user_id=alice.pk, limits=_limits(), reserve_nano=500).ticket  # a call in flight
    counters.settle(ticket=ticket, charge=counters.Charge("m/x", tokens=1, cost_nano=7, status="success"))
    held_call = limiter.admit(user_id=alice.pk, limits=_limits(), reserve_nano=900)  # still running
    before = counters.quota_used(user_id=alice.pk)
    call_command("rebuild_counters", "--user", str(alice.pk))  # the ledger knows fewer calls than Redis
    assert counters.quota_used(user_id=alice.pk) == before
    assert held_call.ticket.reserved_nano == 900


def test_rebuild_counters_restores_everyone_and_open_video_jobs_keep_their_holds(backend, alice, bob, capsys):
    GenerationFactory.create_batch(3, user=alice, cost=Decimal("0.002"))
    GenerationFactory(user=bob, cost=Decimal("0.5"))
    month = limiter.month_of(timezone.now())
    VideoJob.objects.create(user=bob, model_slug="v/x", prompt="a cat", status=JobStatus.PROCESSING,
                            reserved_nano=4000, admission_month=month)  # fmt: skip
    VideoJob.objects.create(user=bob, model_slug="v/x", prompt="done", status=JobStatus.SUCCEEDED,
                            reserved_nano=9999, admission_month=month, charged_at=timezone.now())  # fmt: skip
    _lose_redis()
    call_command("rebuild_counters")
    assert "2 user(s)" in capsys.readouterr().out
    alice_used, bob_used = counters.quota_used(user_id=alice.pk), counters.quota_used(user_id=bob.pk)
    assert (alice_used["daily"], alice_used["spent"], alice_used["held"]) == (3, to_nano(Decimal("0.006")), 0)
    assert (bob_used["daily"], bob_used["spent"], bob_used["held"]) == (1, to_nano(Decimal("0.5")), 4000)
    # Built: the next admission counts on top, without asking the ledger again.
    GenerationFactory(user=alice)
    assert admission.admit(user=alice, limits=_limits(), reserve_nano=0).used["daily"] == 4
