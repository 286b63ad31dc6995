"""Give an empty arena pool the offline demo models, so a fresh `make run` can start a battle at once."""

from django.core.management.base import BaseCommand

from arena.models import PoolEntry
from arena.services import usable_chat_models

# They answer offline and need no key; demo/echo is left out, as repeating the prompt is no contest.
DEMO_MODELS = ("demo/swift", "demo/deliberate")


class Command(BaseCommand):
    help = "Put the demo chat models in the arena's pool when the pool is empty. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        if PoolEntry.objects.exists():
            return  # the admins' pool is theirs: never added to
        demo = [m for m in usable_chat_models() if m.slug in DEMO_MODELS]
        PoolEntry.objects.bulk_create(PoolEntry(model=m) for m in demo)
        self.stdout.write(f"Arena pool: {len(demo)} demo models.")
