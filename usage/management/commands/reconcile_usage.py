"""Compare the ledger with the rollups and the Redis counters, per day and user, and flag differences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.money import money
from usage.reconcile import Line, reconcile


def _figures(totals: Any) -> str:
    return "-" if totals is None else f"{totals.requests} req {totals.tokens} tok ${money(totals.cost)}"


class Command(BaseCommand):
    help = "Per day and user: the ledger against the rollups, the Redis counters and the provider-reported tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="how many days back, today included")
        parser.add_argument("--all", action="store_true", help="list every line, not only the flagged ones")

    def handle(self, *args: Any, days: int, all: bool, **options: Any) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1.")
        today = timezone.localdate()
        lines = reconcile(first=today - timedelta(days=days - 1), last=today)
        flagged = [line for line in lines if line.differences]
        for line in lines if all else flagged:
            self.stdout.write(self._describe(line))
        summary = f"{len(lines)} day/user line(s), {len(flagged)} with differences."
        self.stdout.write(self.style.ERROR(summary) if flagged else self.style.SUCCESS(summary))
        if flagged:
            raise SystemExit(1)  # so a scheduled run fails loudly

    def _describe(self, line: Line) -> str:
        text = (
            f"{line.day} user {line.user_id}: ledger {_figures(line.ledger)} | rollup {_figures(line.rollup)}"
            f" | counters {_figures(line.counters)} | provider-reported {line.provider_tokens} tok"
            f" ({line.estimated} estimated)"
        )
        return text + "".join(f"\n  DIFFERENCE {d}" for d in line.differences)
