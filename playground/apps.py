from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "playground"

    def ready(self) -> None:
        from accounts import hooks
        from playground import account_data
        from playground.jobs import checks, tasks  # noqa: F401  (Celery tasks and start-up checks register themselves)
        from playground.jobs import video as video_jobs
        from playground.moderation import rules
        from playground.pages import provider_keys
        from usage import ledger, rebuild

        hooks.register_account_exporter(account_data.account_export)
        hooks.register_account_eraser(account_data.account_erase)
        hooks.register_settings_card(provider_keys.provider_keys_card)
        hooks.register_default_model_choices(provider_keys.chat_model_choices)
        ledger.on_recorded(rules.check_recorded)
        rebuild.register_open_holds(video_jobs.open_holds)
