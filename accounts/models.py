import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

# Letters and digits (the spec's rule for sign-up), and the underscore its own profile example uses
# ("johndoe_updated"), so that both of the spec's examples are accepted.
USERNAME_RULE = "Use 3 to 30 letters, digits or underscores."
username_validator = RegexValidator(r"^[A-Za-z0-9_]{3,30}$", USERNAME_RULE, code="invalid_username")


class Tier(models.TextChoices):
    FREE = "free", "Free"
    BASIC = "basic", "Basic"
    PRO = "pro", "Pro"
    ENTERPRISE = "enterprise", "Enterprise"


class Role(models.TextChoices):
    USER = "user", "User"
    MODERATOR = "moderator", "Moderator"
    ADMIN = "admin", "Administrator"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DELETED = "deleted", "Deleted"


class Theme(models.TextChoices):
    SYSTEM = "system", "System"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


def default_notifications() -> dict[str, bool]:
    return {"email": True, "quota_warnings": True, "job_updates": True, "product_updates": False}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, username: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, username: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, username, password, **extra)

    def create_superuser(self, email: str, username: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create(email, username, password, **extra)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    username = models.CharField(max_length=30, unique=True, validators=[username_validator])
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.FREE, db_index=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    is_staff = models.BooleanField(default=False, help_text="Can reach the admin site.")

    # Preferences
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    language = models.CharField(max_length=16, default="en")
    default_model = models.CharField(max_length=200, blank=True, help_text="Catalog slug, e.g. demo/swift")
    notifications = models.JSONField(default=default_notifications, blank=True)

    # Public profile
    display_name = models.CharField(max_length=50, blank=True)
    # Written only by accounts.avatars (resized, re-encoded, stored under a random name), never by a form.
    avatar = models.ImageField(upload_to="avatars/", blank=True, editable=False)
    bio = models.TextField(max_length=1000, blank=True)
    website = models.URLField(blank=True)
    github = models.CharField(max_length=39, blank=True)
    twitter = models.CharField(max_length=15, blank=True)
    public_profile = models.BooleanField(default=False)

    # Bumped to end every JWT issued before (password change, suspension, sign-out everywhere).
    token_version = models.PositiveIntegerField(default=0)
    monthly_budget_usd = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text="Empty means the tier's default budget."
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        ordering = ["-created_at"]
        permissions = [("suspend_user", "Can suspend and reactivate users")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        # Derived from status, so one field decides whether any route lets the user in.
        return self.status == Status.ACTIVE

    @property
    def date_joined(self):  # allauth and admin templates read this name
        return self.created_at

    @property
    def avatar_url(self) -> str | None:
        """Where the avatar is served (accounts.profile_views.avatar), or None."""
        return reverse("accounts:avatar", args=[self.avatar.name.rsplit("/", 1)[-1]]) if self.avatar else None

    def get_full_name(self) -> str:
        return self.username

    def get_short_name(self) -> str:
        return self.username


class ApiKeyScope(models.TextChoices):
    AI_READ = "ai:read", "Read models and AI results"
    AI_WRITE = "ai:write", "Call models"
    USAGE_READ = "usage:read", "Read usage"
    WEBHOOKS_READ = "webhooks:read", "Read webhooks"
    WEBHOOKS_WRITE = "webhooks:write", "Manage webhooks"


def default_api_key_scopes() -> list[str]:
    return [ApiKeyScope.AI_READ, ApiKeyScope.AI_WRITE, ApiKeyScope.USAGE_READ]


class ApiKey(models.Model):
    """A key for programmatic access. Only its hash and a short display prefix are stored.

    The key carries 190+ bits of randomness, so a fast hash (SHA-256) is the right choice: there is
    nothing to brute-force, and lookups by hash stay an index probe on every request.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True, help_text="Shown to tell keys apart, e.g. sk_live_AbC1")
    hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=default_api_key_scopes)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The key this one was rotated from; unique, so a key has at most one replacement.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    # Use counters live in the shared cache per request and are folded in here by a periodic flush.
    usage_count = models.PositiveBigIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

class TokenFamily(models.Model):
    """One sign-in through the JSON API. Every refresh token rotated from it carries its id (the `fam`
    claim), so ending the family ends all of them, whichever one the client still holds."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(default=timezone.now)
    # That of its newest refresh token: past it the family can be forgotten.
    expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "token families"

    def __str__(self) -> str:
        return f"{self.user_id}:{self.pk}"
