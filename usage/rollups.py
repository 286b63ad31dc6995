"""Daily rollups of the ledger: per-model figures and who was active, one grouped query per range.

The ledger has no index on created_at alone; range queries here also filter `status IN (every status)`
so PostgreSQL can walk the (status, created_at) index instead of scanning a million rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from usage.models import DailyRollup, Generation, GenerationStatus, UserDay


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def ledger_between(start: datetime, end: datetime | None = None) -> QuerySet[Generation]:
    """Generations in [start, end), written so the (status, created_at) index serves the range."""
    qs = Generation.objects.filter(status__in=GenerationStatus.values, created_at__gte=start)
    return qs.filter(created_at__lt=end) if end else qs


@transaction.atomic
def rollup_days(*, first: date, last: date) -> int:
    """Recompute the rollups of every day in [first, last]; idempotent, so the beat task can rerun it."""
    start, end = day_start(first), day_start(last + timedelta(days=1))
    ledger = ledger_between(start, end).annotate(day=TruncDate("created_at")).order_by()
    per_model = ledger.values("day", "model_slug").annotate(
        requests=Count("id"),
        errors=Count("id", filter=~Q(status=GenerationStatus.SUCCESS)),
        tokens=Sum("total_tokens"),
        cost=Sum("cost"),
        provider=Max("provider_id"),  # a model slug belongs to one provider
    )
    DailyRollup.objects.filter(day__gte=first, day__lte=last).delete()
    rows = [
        DailyRollup(
            day=r["day"],
            model_slug=r["model_slug"],
            provider_id=r["provider"],
            requests=r["requests"],
            errors=r["errors"],
            tokens=r["tokens"] or 0,
            cost=r["cost"] or Decimal(0),
        )
        for r in per_model
    ]
    DailyRollup.objects.bulk_create(rows, batch_size=5000)
    UserDay.objects.filter(day__gte=first, day__lte=last).delete()
    active = ledger.values_list("day", "user_id").distinct()
    UserDay.objects.bulk_create([UserDay(day=d, user_id=u) for d, u in active], batch_size=10000)
    return len(rows)


def rollup_recent() -> int:
    """Yesterday and today: late writes to yesterday (timeouts, cancellations) are picked up once more."""
    today = timezone.localdate()
    return rollup_days(first=today - timedelta(days=1), last=today)
