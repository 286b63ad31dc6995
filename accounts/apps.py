from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import schema, signals  # noqa: F401

        post_migrate.connect(_ensure_moderator_group, dispatch_uid="accounts-moderator-group")
        post_migrate.connect(_name_the_site, dispatch_uid="accounts-site-name")
        _register_api_keys_in_me()


def _register_api_keys_in_me() -> None:
    from accounts.hooks import register_me_extra

    def api_keys_block(user: object) -> dict:
        from accounts.api_keys_api import api_key_data
        from accounts.models import ApiKey

        keys = ApiKey.objects.filter(user=user, revoked_at__isnull=True).select_related("replaced_by")
        return {"api_keys": [api_key_data(key) for key in keys]}

    register_me_extra(api_keys_block)


def _ensure_moderator_group(sender: AppConfig, **kwargs: object) -> None:
    # Permissions exist only after migrate; the group is refreshed after every migrate run.
    from accounts.roles import moderator_group

    moderator_group()


def _name_the_site(sender: AppConfig, **kwargs: object) -> None:
    # Emails and pages name the site from the Site row: keep it to settings, never "example.com".
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME})
