from django.apps import AppConfig


class ArenaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "arena"

    def ready(self) -> None:
        from arena import tasks  # noqa: F401  (Celery tasks register themselves)
