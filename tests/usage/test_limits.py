"""Admission counts a request everywhere or nowhere; the per-minute window slides."""

import pytest

from usage import counters, limits
from usage.limits import Limits

pytestmark = pytest.mark.django_db

UNL = limits.UNLIMITED


def _limits(per_minute: int = 10, daily: int = 50, budget_nano: int = UNL) -> Limits:
    return Limits(per_minute=per_minute, quotas={"daily": daily}, budget_nano=budget_nano)


def test_per_minute_limit_admits_exactly_the_limit():
    results = [limits.admit(user_id=1, limits=_limits(per_minute=3)) for _ in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    refused = results[-1]
    assert refused.reason == "rate" and 1 <= refused.retry_after <= 60 and refused.remaining == 0


def test_sliding_window_frees_slots_only_after_sixty_seconds(monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(limits, "clock", lambda: clock[0])
    assert limits.admit(user_id=1, limits=_limits(per_minute=2)).allowed
    clock[0] += 59
    assert limits.admit(user_id=1, limits=_limits(per_minute=2)).allowed
    assert not limits.admit(user_id=1, limits=_limits(per_minute=2)).allowed
    clock[0] += 2  # the first admission left the window; the second is still in it
    assert limits.admit(user_id=1, limits=_limits(per_minute=2)).allowed
    assert not limits.admit(user_id=1, limits=_limits(per_minute=2)).allowed


def test_daily_quota_refusal_counts_nothing():
    for _ in range(2):
        assert limits.admit(user_id=7, limits=_limits(daily=2)).allowed
    refused = limits.admit(user_id=7, limits=_limits(daily=2))
    assert refused.reason == "daily"
    assert counters.quota_used(user_id=7)["daily"] == 2
    assert limits.peek(user_id=7, limits=_limits()).remaining == 8


def test_budget_reservation_is_released_and_settled_to_actual_cost():
    budget = _limits(budget_nano=1000)
    first = limits.admit(user_id=3, limits=budget, reserve_nano=600)
    assert first.allowed
    assert not limits.admit(user_id=3, limits=budget, reserve_nano=600).allowed  # 600 held + 600 > 1000
    counters.settle(ticket=first.ticket, charge=counters.Charge("demo/x", tokens=5, cost_nano=100, status="success"))
    used = counters.quota_used(user_id=3)
    assert used["held"] == 0 and used["spent"] == 100
    assert limits.admit(user_id=3, limits=budget, reserve_nano=600).allowed


def test_settlement_feeds_the_day_aggregates():
    ticket = limits.admit(user_id=4, limits=_limits()).ticket
    counters.settle(ticket=ticket, charge=counters.Charge("demo/swift", tokens=12, cost_nano=30, status="success"))
    [day] = counters.user_days(user_id=4, days=[limits.now().date()])
    assert (day["requests"], day["tokens"], day["cost"]) == (1, 12, 30)
    assert counters.split_models(day) == {"demo/swift": {"requests": 1, "tokens": 12, "cost": 30}}


@pytest.mark.redis
def test_the_same_rules_hold_on_redis():
    # With REDIS_URL set the suite runs on django-redis, so the Lua scripts are what ran above;
    # this asserts the backend really is Redis in that run.
    from config import store

    assert store.uses_redis()
    assert [limits.admit(user_id=9, limits=_limits(per_minute=1)).allowed for _ in range(2)] == [True, False]


@pytest.mark.redis
def test_an_event_loops_redis_connections_close_when_the_loop_ends():
    """async_to_sync (WSGI, Celery, Django's test client) runs each call on a loop of its own; the
    loop's Redis client must not leave its connection open on the server."""
    import time

    from asgiref.sync import async_to_sync

    from config import store

    async def connection_id() -> int:
        return await store.async_redis().client_id()

    ended = str(async_to_sync(connection_id)())
    deadline = time.monotonic() + 2
    while ended in {str(c["id"]) for c in store.redis_client().client_list()}:
        assert time.monotonic() < deadline, "the loop's Redis connection is still open"
        time.sleep(0.02)
