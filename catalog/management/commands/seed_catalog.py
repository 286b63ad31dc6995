from typing import Any

from django.core.management.base import BaseCommand

from catalog.seed import seed_catalog


class Command(BaseCommand):
    help = (
        "Load the shipped model catalog (idempotent). Updates prices and specs; leaves admins' "
        "choices (a model's is_active/featured/status, a provider's enabled/base URL/key) alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = seed_catalog()
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        self.stdout.write(self.style.SUCCESS(f"Catalog seeded: {summary}."))
