"""Everything `make run` needs to show a working product: the catalog and a demo login."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from accounts.models import Role, Tier, User

DEMO_EMAIL = "demo@switchboard.local"
DEMO_PASSWORD = "Switchboard-demo1"
ADMIN_EMAIL = "admin@switchboard.local"


class Command(BaseCommand):
    help = "Seed the catalog (when available) and create the demo user and demo administrator. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        commands = get_commands()
        for name in ("seed_catalog", "seed_settings", "seed_arena_pool"):
            if name in commands:
                call_command(name, verbosity=0)
        self._user(DEMO_EMAIL, "demo", tier=Tier.PRO, role=Role.USER)
        self._user(ADMIN_EMAIL, "admin", tier=Tier.ENTERPRISE, role=Role.ADMIN, staff=True)
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}  (admin: {ADMIN_EMAIL}, same password)")

    def _user(self, email: str, username: str, *, tier: str, role: str, staff: bool = False) -> None:
        from allauth.account.models import EmailAddress

        user, created = User.objects.get_or_create(
            email=email,
            defaults={"username": username, "tier": tier, "role": role, "is_staff": staff, "is_superuser": staff},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
