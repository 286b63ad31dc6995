from django.apps import AppConfig


class UsageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "usage"

    def ready(self) -> None:
        from accounts.hooks import register_signup_check
        from usage import settings_store

        register_signup_check(lambda: bool(settings_store.get_setting("signup_enabled", True)))
