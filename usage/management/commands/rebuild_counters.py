"""Rebuild the admission counters in Redis from the ledger (after Redis lost its data).

Admission does this for each user on their first call anyway (usage.rebuild); run it after a Redis
restart without persistence, a failover or a flush so that the first calls pay no query."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from usage.rebuild import rebuild_all


class Command(BaseCommand):
    help = "Raise every user's quota, rate and budget counters in Redis to what the ledger says."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", type=int, action="append", dest="users", help="only this user id (repeatable)")

    def handle(self, *args: Any, users: list[int] | None, **options: Any) -> None:
        count = rebuild_all(users)
        self.stdout.write(self.style.SUCCESS(f"Counters rebuilt from the ledger for {count} user(s)."))
