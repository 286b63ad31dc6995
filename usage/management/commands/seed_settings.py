from django.core.management.base import BaseCommand

from usage.settings_store import seed_defaults


class Command(BaseCommand):
    help = "Create the default system settings that do not exist yet (tier limits, default model...)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{seed_defaults()} setting(s) created.")
