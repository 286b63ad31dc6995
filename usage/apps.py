from django.apps import AppConfig


class UsageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "usage"

    def ready(self) -> None:
        from accounts.hooks import register_signup_check
        from usage import events, notifications, settings_store

        register_signup_check(lambda: bool(settings_store.get_setting("signup_enabled", True)))
        events.register_consumer(notifications.email_consumer)
        _register_quota_in_me()


def _register_quota_in_me() -> None:
    from accounts.hooks import register_me_extra

    def quota(user: object) -> dict:
        from usage.selectors import quota_block

        return {"quota": quota_block(user)}

    register_me_extra(quota)
