"""Daily rollups of the ledger: per-model and per-user figures and who was active, one grouped query
per range of open days.

A day is *closed* once it has been rolled up `CLOSE_AFTER` after it ended (late writes - a stream
that ran past midnight, a row queued behind its response - have landed by then). A closed day is
never rolled up again: its rollups are final, retention may delete its ledger rows, and a later
`rollup_usage` over an emptied range cannot wipe them. Reads take closed days from the rollups and
every other day from the ledger, so the figures are right whether or not the rollup has run.

The ledger has no index on created_at alone; range queries here also filter `status IN (every status)`
so PostgreSQL can walk the (status, created_at) index instead of scanning a million rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, FloatField, IntegerField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Floor, Greatest, Ln, TruncDate
from django.utils import timezone

from usage.models import (
    ClosedDay,
    DailyRollup,
    Generation,
    GenerationStatus,
    LastActiveDay,
    RollupMark,
    UsageDay,
    UserDay,
)

CLOSE_AFTER = timedelta(hours=2)
# An open day is rolled up to this long before the run: a row stored a little after the moment it
# records (the writer's queue, a sweep) is then still read from the ledger, after the mark, and counted.
LATE_WRITES = timedelta(minutes=2)


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def ledger_between(start: datetime, end: datetime | None = None) -> QuerySet[Generation]:
    """Generations in [start, end), written so the (status, created_at) index serves the range."""
    qs = Generation.objects.filter(status__in=GenerationStatus.values, created_at__gte=start)
    return qs.filter(created_at__lt=end) if end else qs


def closed_days(first: date, last: date) -> set[date]:
    return set(ClosedDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))


def _open_runs(first: date, last: date, closed: set[date]) -> Iterator[tuple[date, date]]:
    """The runs of consecutive days in [first, last] that are not closed."""
    run_start: date | None = None
    day = first
    while day <= last:
        if day in closed:
            if run_start is not None:
                yield run_start, day - timedelta(days=1)
                run_start = None
        elif run_start is None:
            run_start = day
        day += timedelta(days=1)
    if run_start is not None:
        yield run_start, last


@transaction.atomic
def rollup_days(*, first: date, last: date) -> int:
    """Recompute the rollups of every open day in [first, last], then close the days that ended long
    enough ago. Idempotent, so the beat task can rerun it; closed days are left as they are."""
    _take_turns()
    cut = timezone.now() - LATE_WRITES
    runs = list(_open_runs(first, last, closed_days(first, last)))
    written = sum(_rollup_run(a, b, cut) for a, b in runs)
    _mark(runs, cut)
    _close(first, last)
    return written


def _take_turns() -> None:
    """Concurrent rollups (the beat task and a command) run one after the other, to the commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('usage.rollups'))")


def first_open_day() -> date | None:
    """The oldest day with ledger rows that is not closed (retention stops before it)."""
    # One lookup per status walks the (status, created_at) index; there is no index on created_at alone.
    firsts = [
        Generation.objects.filter(status=s).order_by("created_at").values_list("created_at", flat=True).first()
        for s in GenerationStatus.values
    ]
    if not (found := [f for f in firsts if f is not None]):
        return None
    day = timezone.localtime(min(found)).date()
    closed = ClosedDay.objects.filter(day__gte=day).order_by("day").values_list("day", flat=True)
    for closed_day in closed.iterator():
        if closed_day != day:
            break
        day += timedelta(days=1)
    return day


def _rollup_run(first: date, last: date, cut: datetime) -> int:
    start = day_start(first)
    end = min(day_start(last + timedelta(days=1)), max(cut, start))  # a running day: up to the cut (its mark)
    ledger = ledger_between(start, end).annotate(day=TruncDate("created_at")).order_by()
    per_model = ledger.values("day", "model_slug").annotate(
        requests=Count("id"),
        errors=Count("id", filter=~Q(status=GenerationStatus.SUCCESS)),
        tokens=Sum("total_tokens"),
        cost=Sum("cost"),
        provider=Max("provider_id"),  # a model slug belongs to one provider
    )
    DailyRollup.objects.filter(day__gte=first, day__lte=last).delete()
    histograms: dict[tuple[date, str], dict[str, int]] = {}
    for r in latency_buckets(ledger, "day", "model_slug"):
        histograms.setdefault((r["day"], r["model_slug"]), {})[str(r["bucket"])] = r["calls"]
    rows = [
        DailyRollup(
            day=r["day"],
            model_slug=r["model_slug"],
            provider_id=r["provider"],
            requests=r["requests"],
            errors=r["errors"],
            tokens=r["tokens"] or 0,
            cost=r["cost"] or Decimal(0),
            latency=histograms.get((r["day"], r["model_slug"]), {}),
        )
        for r in per_model
    ]
    DailyRollup.objects.bulk_create(rows, batch_size=5000)
    UserDay.objects.filter(day__gte=first, day__lte=last).delete()
    active = list(ledger.values_list("day", "user_id").distinct())
    UserDay.objects.bulk_create([UserDay(day=d, user_id=u) for d, u in active], batch_size=10000)
    _last_active(active)
    _rollup_users(ledger, first, last)
    return len(rows)


# Durations fall in quarter-octave buckets (each ~19 % wide): a percentile read from the summed
# buckets is within ~10 % of the exact one, and any range of days sums in a few hundred rows.
BUCKETS_PER_OCTAVE = 4


def latency_buckets(ledger: QuerySet[Generation], *group: str) -> QuerySet[Generation]:
    # ln() in double precision: PostgreSQL's LOG(2, x) is numeric, and took ~20 µs a row.
    duration = Cast(Greatest(F("duration_ms"), Value(1)), FloatField())
    bucket = Floor(Ln(duration) * Value(BUCKETS_PER_OCTAVE / math.log(2), output_field=FloatField()))
    return (
        ledger.filter(duration_ms__isnull=False)
        .annotate(bucket=Cast(bucket, IntegerField()))
        .values(*group, "bucket")
        .annotate(calls=Count("id"))
        .order_by()
    )


def bucket_ms(bucket: int) -> float:
    """The middle of a bucket, in milliseconds."""
    return 2 ** ((bucket + 0.5) / BUCKETS_PER_OCTAVE)


def _rollup_users(ledger: QuerySet[Generation], first: date, last: date) -> None:
    per_user = ledger.values("day", "user_id", "model_slug", "door").annotate(
        requests=Count("id"),
        errors=Count("id", filter=~Q(status=GenerationStatus.SUCCESS)),
        tokens=Sum("total_tokens"),
        cost=Sum("cost"),
    )
    UsageDay.objects.filter(day__gte=first, day__lte=last).delete()
    UsageDay.objects.bulk_create(
        (
            UsageDay(
                day=r["day"],
                user_id=r["user_id"],
                model_slug=r["model_slug"],
                door=r["door"],
                requests=r["requests"],
                errors=r["errors"],
                tokens=r["tokens"] or 0,
                cost=r["cost"] or Decimal(0),
            )
            for r in per_user.iterator(chunk_size=10_000)
        ),
        batch_size=10_000,
    )


def _last_active(active: list[tuple[date, int]]) -> None:
    """Move each user's last active day forward to the latest day of theirs in the run (never back: a
    rerun of older days leaves a later day in place)."""
    latest: dict[int, date] = {}
    for day, user_id in active:
        if day > latest.get(user_id, day - timedelta(days=1)):
            latest[user_id] = day
    known = dict(LastActiveDay.objects.filter(user_id__in=list(latest)).values_list("user_id", "day"))
    LastActiveDay.objects.bulk_create(
        [LastActiveDay(user_id=u, day=d) for u, d in latest.items() if u not in known or known[u] < d],
        batch_size=10_000,
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["day"],
    )


def _mark(runs: list[tuple[date, date]], cut: datetime) -> None:
    """Record how far each rolled-up day reaches: its end, or the cut for a day still running."""
    marks = []
    for first, last in runs:
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            through = min(day_start(day + timedelta(days=1)), max(cut, day_start(day)))
            marks.append(RollupMark(day=day, through=through))
    RollupMark.objects.bulk_create(
        marks, batch_size=10_000, update_conflicts=True, unique_fields=["day"], update_fields=["through"]
    )


def _close(first: date, last: date) -> None:
    now = timezone.now()
    ended = [
        day
        for day in (first + timedelta(days=i) for i in range((last - first).days + 1))
        if day_start(day + timedelta(days=1)) + CLOSE_AFTER <= now
    ]
    ClosedDay.objects.bulk_create([ClosedDay(day=d, closed_at=now) for d in ended], ignore_conflicts=True)


def rollup_recent() -> int:
    """Yesterday and today: late writes to yesterday (timeouts, cancellations) are picked up once more,
    and yesterday closes once it has been over for `CLOSE_AFTER`."""
    today = timezone.localdate()
    return rollup_days(first=today - timedelta(days=1), last=today)
