"""One table of admission cases, run against both implementations of the limiter: the Lua script
(Redis) and its Python fallback (no Redis). Each must give the answers in the table, and so the same
answers as the other, step for step: admitted or refused and why, when to retry, what is left of the
minute, and every counter afterwards.
"""

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache

from config import store
from usage import counters, limits
from usage.limits import Limits

pytestmark = pytest.mark.django_db

UNL = limits.UNLIMITED
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday, 21.5 days before the month ends
DAY = 86400


@dataclass(frozen=True)
class Admit:
    at: float  # seconds after START
    reserve: int = 0
    output: tuple[int, int] | None = None  # a chat call's output hold: (cost of one token, tokens asked for)


@dataclass(frozen=True)
class Settle:
    at: float
    admission: int  # which admission (its index among the case's Admit steps)
    cost: int


@dataclass(frozen=True)
class Used:
    at: float


def _limits(per_minute: int = UNL, budget: int = UNL, **quotas: int) -> Limits:
    return Limits(per_minute=per_minute, quotas=quotas, budget_nano=budget)


def counts(n: int, spent: int = 0, held: int = 0, **quotas: int) -> dict[str, int]:
    """The counters after an admission: `n` in every quota's window unless given, then the money."""
    windows = {name: quotas.get(name, n) for name in ("daily", "weekly", "monthly")}
    return windows | {"spent": spent, "held": held}


def ok(remaining: int, used: dict[str, int]) -> tuple:
    return ("admitted", remaining, used)


def granted(remaining: int, used: dict[str, int], tokens: int) -> tuple:
    """Admitted with an output hold: `tokens` output tokens held, which the call may use."""
    return ("admitted", remaining, used, tokens)


def refused(reason: str, retry_after: int, remaining: int) -> tuple:
    return ("refused", reason, retry_after, remaining)


CASES: dict[str, tuple[Limits, list, list]] = {
    "per-minute: exactly the limit, and the window slides": (
        _limits(per_minute=3),
        [Admit(0), Admit(1), Admit(2), Admit(3), Admit(61), Admit(61.5)],
        [
            ok(2, counts(1)),
            ok(1, counts(2)),
            ok(0, counts(3)),
            refused("rate", 57, 0),  # the oldest of the three leaves the window at 60 s
            ok(1, counts(4)),  # at 61 s the calls made at 0 s and 1 s have left it
            ok(0, counts(5)),
        ],
    ),
    "daily: refused until the day ends, and a refusal counts nothing": (
        _limits(daily=2),
        [Admit(0), Admit(10), Admit(20), Admit(30), Admit(DAY / 2), Used(DAY / 2)],
        [
            ok(UNL, counts(1)),
            ok(UNL, counts(2)),
            refused("daily", DAY // 2 - 20, UNL),  # seconds until midnight
            refused("daily", DAY // 2 - 30, UNL),
            ok(UNL, counts(1, weekly=3, monthly=3)),  # midnight: a new day, the same week and month
            counts(1, weekly=3, monthly=3),
        ],
    ),
    "weekly: a new day does not help, a new week does": (
        _limits(weekly=3),
        [Admit(0), Admit(DAY), Admit(2 * DAY), Admit(3 * DAY), Admit(6 * DAY - 12 * 3600)],
        [
            ok(UNL, counts(1)),
            ok(UNL, counts(1, weekly=2, monthly=2)),
            ok(UNL, counts(1, weekly=3, monthly=3)),
            refused("weekly", int(2.5 * DAY), UNL),  # Friday noon; the week ends on Monday
            ok(UNL, counts(1, weekly=1, monthly=4)),  # Monday
        ],
    ),
    "monthly: refused until the month ends": (
        _limits(monthly=2),
        [Admit(0), Admit(7 * DAY), Admit(14 * DAY), Admit(22 * DAY), Used(22 * DAY)],
        [
            ok(UNL, counts(1)),
            ok(UNL, counts(1, weekly=1, monthly=2)),
            refused("monthly", int(7.5 * DAY), UNL),
            ok(UNL, counts(1, weekly=1, monthly=1)),  # April 1st
            counts(1, weekly=1, monthly=1),
        ],
    ),
    "budget: reservations held, settled to the actual cost, spent money refuses": (
        _limits(budget=1000),
        [
            Admit(0, reserve=600),
            Admit(1, reserve=600),  # 600 held + 600 > 1000
            Settle(2, admission=0, cost=100),
            Admit(3, reserve=900),  # 100 spent + 900 = the whole budget, and no more
            Admit(4, reserve=1),  # 100 + 900 held + 1 > 1000
            Settle(5, admission=2, cost=900),
            Admit(6),  # all 1000 spent: even a free call is refused
            Used(7),
        ],
        [
            ok(UNL, counts(1, held=600)),
            refused("budget", int(21.5 * DAY) - 1, UNL),
            100,
            ok(UNL, counts(2, spent=100, held=900)),
            refused("budget", int(21.5 * DAY) - 4, UNL),
            1000,
            refused("budget", int(21.5 * DAY) - 6, UNL),
            counts(2, spent=1000, held=0),
        ],
    ),
    "budget: output tokens held as far as the budget affords, never beyond it, whatever runs at once": (
        _limits(budget=1000),
        [
            Admit(0, reserve=100, output=(10, 50)),  # 900 left for output: all 50 tokens (500)
            Admit(1, reserve=100, output=(10, 50)),  # 1000 - 600 held - 100 = 300: 30 tokens
            Admit(2, reserve=100, output=(10, 50)),  # nothing left for even one token
            Settle(3, admission=0, cost=250),  # the first call cost less than it held
            Admit(4, output=(10, 50)),  # 1000 - 250 - 400 held = 350: 35 tokens
            Admit(5, reserve=345, output=(10, 50)),  # its prompt alone does not fit
            Used(6),
        ],
        [
            granted(UNL, counts(1, held=600), 50),
            granted(UNL, counts(2, held=1000), 30),
            refused("budget", int(21.5 * DAY) - 2, UNL),
            250,
            granted(UNL, counts(3, spent=250, held=750), 35),
            refused("budget", int(21.5 * DAY) - 5, UNL),
            counts(3, spent=250, held=750),
        ],
    ),
    "no budget: the output is held in full": (
        _limits(),
        [Admit(0, reserve=5, output=(10, 50))],
        [granted(UNL, counts(1, held=505), 50)],
    ),
}


@pytest.fixture(params=["lua", "python"])
def backend(request, monkeypatch) -> str:
    if request.param == "lua" and not store.uses_redis():
        pytest.skip("the Lua script runs on Redis (CI always has it)")
    if request.param == "python":
        monkeypatch.setattr(store, "uses_redis", lambda: False)
    return request.param


def _observe(admission: limits.Admission) -> tuple:
    if admission.allowed and admission.max_tokens is not None:
        return ("admitted", admission.remaining, admission.used, admission.max_tokens)
    if admission.allowed:
        return ("admitted", admission.remaining, admission.used)
    return ("refused", admission.reason, int(admission.retry_after), admission.remaining)


def _run(case_limits: Limits, steps: list, clock: list[float], user_id: int) -> list[Any]:
    results: list[Any] = []
    tickets: list[limits.Ticket | None] = []
    for step in steps:
        clock[0] = START.timestamp() + step.at
        if isinstance(step, Admit):
            output = limits.OutputHold(*step.output) if step.output else None
            admission = limits.admit(user_id=user_id, limits=case_limits, reserve_nano=step.reserve, output=output)
            tickets.append(admission.ticket)
            results.append(_observe(admission))
        elif isinstance(step, Settle):
            charge = counters.Charge("demo/x", tokens=1, cost_nano=step.cost, status="success")
            results.append(counters.settle(ticket=tickets[step.admission], charge=charge))
        else:
            results.append(counters.quota_used(user_id=user_id))
    return results


@pytest.mark.parametrize("case", list(CASES))
def test_every_case_gives_the_tables_answers(backend, case, monkeypatch):
    clock = [START.timestamp()]
    monkeypatch.setattr(limits, "clock", lambda: clock[0])
    case_limits, steps, expected = CASES[case]

    assert _run(case_limits, steps, clock, user_id=7) == expected


@pytest.mark.redis
@pytest.mark.parametrize("case", list(CASES))
def test_the_script_and_the_fallback_agree_step_for_step(case, monkeypatch):
    clock = [START.timestamp()]
    monkeypatch.setattr(limits, "clock", lambda: clock[0])
    case_limits, steps, _ = CASES[case]
    assert store.uses_redis()
    by_script = _run(case_limits, steps, clock, user_id=8)
    cache.clear()
    with monkeypatch.context() as fallback:
        fallback.setattr(store, "uses_redis", lambda: False)
        by_fallback = _run(case_limits, steps, clock, user_id=8)
    assert by_script == by_fallback


def _at_once(count: int, call: Any) -> list[Any]:
    """`count` threads make their call at the same moment."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_callers_get_exactly_the_limit(backend):
    answers = _at_once(24, lambda: limits.admit(user_id=11, limits=_limits(per_minute=5, daily=50)))
    assert sum(a.allowed for a in answers) == 5
    assert counters.quota_used(user_id=11)["daily"] == 5
    assert sorted(a.remaining for a in answers if a.allowed) == [0, 1, 2, 3, 4]


def test_concurrent_reservations_never_hold_more_than_the_budget(backend):
    answers = _at_once(12, lambda: limits.admit(user_id=12, limits=_limits(budget=1000), reserve_nano=300))
    assert sum(a.allowed for a in answers) == 3
    assert {a.reason for a in answers if not a.allowed} == {"budget"}
    assert counters.quota_used(user_id=12)["held"] == 900


def test_concurrent_output_holds_share_the_budget_and_never_exceed_it(backend):
    output = limits.OutputHold(per_token_nano=10, max_tokens=40)
    answers = _at_once(
        12, lambda: limits.admit(user_id=14, limits=_limits(budget=1000), reserve_nano=50, output=output)
    )
    admitted = [a for a in answers if a.allowed]
    held = sum(a.ticket.reserved_nano for a in admitted)
    assert held == counters.quota_used(user_id=14)["held"] <= 1000
    assert sum(50 + 10 * a.max_tokens for a in admitted) == held
    assert held > 1000 - 60  # what is left could not hold a prompt and one more token
    assert sorted(a.max_tokens for a in admitted) == [5, 40, 40]  # 450 + 450, then 50 + 5 x 10


def test_a_new_quota_kind_is_one_entry_in_the_table(backend, monkeypatch):
    """README, "How to add a quota kind": the table is all the limiter needs to count and refuse it."""
    hourly = limits.Quota(
        "hourly", "h", lambda now: (now.strftime("%Y%m%d%H"), now.replace(minute=0, second=0) + timedelta(hours=1))
    )
    monkeypatch.setattr(limits, "QUOTAS", (*limits.QUOTAS, hourly))
    clock = [START.timestamp()]
    monkeypatch.setattr(limits, "clock", lambda: clock[0])
    steps = [Admit(0), Admit(60), Admit(120), Admit(3600)]

    results = _run(_limits(hourly=2), steps, clock, user_id=13)

    assert [r[:2] for r in results] == [("admitted", UNL), ("admitted", UNL), ("refused", "hourly"), ("admitted", UNL)]
    assert results[2][2] == 3600 - 120  # retry when the hour ends
    assert counters.quota_used(user_id=13)["hourly"] == 1  # the new hour's count
