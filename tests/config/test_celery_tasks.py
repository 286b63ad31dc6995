"""Every task of ours can actually be sent: Celery refuses a soft time limit above the hard one."""

from django.conf import settings

from config.celery import app


def test_every_task_has_a_soft_time_limit_within_its_hard_limit():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "accounts.flush_api_key_usage" in ours
    for name, task in ours.items():
        hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        assert soft <= hard, f"{name}: soft {soft} s > hard {hard} s"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for entry, spec in settings.CELERY_BEAT_SCHEDULE.items():
        assert spec["task"] in app.tasks, entry
