from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from accounts import hooks
        from usage import events
        from webhooks import services

        hooks.register_account_exporter(services.account_export)
        hooks.register_account_eraser(services.account_erase)
        # usage.events.emit already hands every event to webhooks.services.event_emit by itself;
        # registering it as well would deliver each event twice. Only an explicit listener API
        # that does not do that (register_listener) is used.
        if hasattr(events, "register_listener") and services.event_emit not in _routed(events):
            events.register_listener(services.event_emit)


def _routed(events: object) -> list:
    finder = getattr(events, "_webhooks_consumer", None)
    return [finder()] if callable(finder) else []
