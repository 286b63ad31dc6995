from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from accounts import hooks
        from webhooks import services

        hooks.register_account_exporter(services.account_export)
        hooks.register_account_eraser(services.account_erase)
        try:
            from usage import events
        except ImportError:
            return
        # The gateway emits ai.task.* and quota.warning through usage.events; it routes them here.
        if hasattr(events, "register_listener"):
            events.register_listener(services.event_emit)
