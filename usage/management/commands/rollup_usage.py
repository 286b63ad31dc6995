"""Recompute the daily rollups the analytics page reads (the beat task does the last two days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from usage.rollups import rollup_days


class Command(BaseCommand):
    help = "Rebuild usage rollups for the last --days days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        today = timezone.localdate()
        rows = rollup_days(first=today - timedelta(days=days), last=today)
        self.stdout.write(self.style.SUCCESS(f"{rows} rollup row(s) written."))
