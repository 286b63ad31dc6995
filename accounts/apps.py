from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import schema, signals  # noqa: F401

        post_migrate.connect(_ensure_moderator_group, dispatch_uid="accounts-moderator-group")


def _ensure_moderator_group(sender: AppConfig, **kwargs: object) -> None:
    # Permissions exist only after migrate; the group is refreshed after every migrate run.
    from accounts.roles import moderator_group

    moderator_group()
