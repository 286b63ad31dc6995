from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "playground"

    def ready(self) -> None:
        from accounts import hooks
        from playground import account_data, moderation
        from usage import ledger

        hooks.register_account_exporter(account_data.account_export)
        hooks.register_account_eraser(account_data.account_erase)
        ledger.on_recorded(moderation.check_recorded)
