"""Delete generations older than N days, in batches so no single statement locks the ledger for long."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from usage.models import Generation
from usage.rollups import ledger_between


def generations_prune(*, older_than_days: int, batch: int = 10_000) -> int:
    """Delete generations created before now - older_than_days; returns how many. Rollups are kept."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = ledger_between(timezone.now() - timedelta(days=365 * 100), cutoff)
    deleted = 0
    while ids := list(old.order_by().values_list("pk", flat=True)[:batch]):
        Generation.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


class Command(BaseCommand):
    help = "Delete generations older than --older-than DAYS (daily rollups, and so analytics history, stay)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--batch", type=int, default=10_000)

    def handle(self, *args: Any, older_than: int, batch: int, **options: Any) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        deleted = generations_prune(older_than_days=older_than, batch=batch)
        self.stdout.write(self.style.SUCCESS(f"{deleted} generation(s) deleted."))
