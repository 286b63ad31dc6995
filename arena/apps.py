from django.apps import AppConfig


class ArenaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "arena"

    def ready(self) -> None:
        from accounts import hooks
        from arena import account_data, tasks  # noqa: F401  (Celery tasks register themselves)

        hooks.register_account_exporter(account_data.account_export)
        hooks.register_account_eraser(account_data.account_erase)
