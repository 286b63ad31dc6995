from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Provider
from catalog.sync import SYNCABLE, sync_catalog
from providers.base import ProviderError


class Command(BaseCommand):
    help = "Import or update models from a provider's list endpoint. New models arrive as beta and inactive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", required=True, help=f"Provider slug: {', '.join(SYNCABLE)} or a custom one.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["provider"]
        provider = Provider.objects.filter(slug=slug).first()
        if provider is None:
            raise CommandError(f"No provider {slug!r}. Run seed_catalog first, or add it in the admin.")
        if slug not in SYNCABLE and not provider.is_custom:
            raise CommandError(f"{slug} has no model list to sync; choose one of {', '.join(SYNCABLE)}.")
        try:
            report = sync_catalog(provider=provider)
        except ProviderError as exc:
            raise CommandError(f"Could not list {provider.name}'s models: {exc}") from exc
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(report.outcomes.items()))
        self.stdout.write(self.style.SUCCESS(f"{provider.name}: {summary or 'no models'}."))
        for upstream_id, reason in report.skipped:
            self.stdout.write(f"  skipped {upstream_id}: {reason} (no door here serves it)")
