"""Delete generations older than N days, in batches so no single statement locks the ledger for long.

Only closed days lose rows: every day about to be pruned is rolled up (and closed) first, and
pruning stops at the first day that could not be closed, so usage figures and analytics history
keep every pruned call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from usage.models import Generation
from usage.rollups import day_start, first_open_day, ledger_between, rollup_days


def generations_prune(*, older_than_days: int, batch: int = 10_000) -> int:
    """Delete generations of closed days created before now - older_than_days; returns how many."""
    cutoff_day = timezone.localdate() - timedelta(days=older_than_days)
    first = first_open_day()
    if first is None or first >= cutoff_day:
        return 0
    rollup_days(first=first, last=cutoff_day - timedelta(days=1))  # closes what it can
    stop = first_open_day()
    end = day_start(min(cutoff_day, stop) if stop else cutoff_day)
    old = ledger_between(timezone.now() - timedelta(days=365 * 100), end)
    deleted = 0
    while ids := list(old.order_by().values_list("pk", flat=True)[:batch]):
        Generation.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


class Command(BaseCommand):
    help = (
        "Delete generations older than --older-than DAYS, after their days are rolled up and closed "
        "(daily rollups, and so usage figures and analytics history, stay)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--batch", type=int, default=10_000)

    def handle(self, *args: Any, older_than: int, batch: int, **options: Any) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        deleted = generations_prune(older_than_days=older_than, batch=batch)
        self.stdout.write(self.style.SUCCESS(f"{deleted} generation(s) deleted."))
