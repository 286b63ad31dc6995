from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from accounts import hooks
        from usage import events
        from webhooks import checks, services  # noqa: F401  (checks registers itself)

        hooks.register_account_exporter(services.account_export)
        hooks.register_account_eraser(services.account_erase)
        events.register_consumer(services.event_emit)
