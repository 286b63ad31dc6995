from typing import Any

from django.core.management.base import BaseCommand

from catalog.seed import seed_catalog


class Command(BaseCommand):
    help = (
        "Load the shipped model catalog (idempotent). Fills what is missing and follows the file where "
        "nobody changed a field; leaves every admin change alone and lists those that differ from the file."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_catalog()
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(report.outcomes.items()))
        self.stdout.write(self.style.SUCCESS(f"Catalog seeded: {summary}."))
        if report.kept:
            self.stdout.write(
                f"Left {len(report.kept)} field(s) alone that differ from the shipped catalog (changed in the admin, "
                "or set before seeding kept track; edit them in the admin if the file is right):"
            )
            for kept in report.kept:
                self.stdout.write(f"  {kept}")
