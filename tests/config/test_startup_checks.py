"""Invariants the code relies on but cannot enforce by itself are checked when the platform starts
(`manage.py check`, run by migrate and by every server and worker start)."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.core import checks

from playground.jobs import batch, video

ROOT = Path(__file__).resolve().parents[2]


def _errors(check_id: str) -> list[checks.CheckMessage]:
    return [message for message in checks.run_checks() if message.id == check_id]


def test_the_shipped_leases_outlast_their_tasks():
    assert _errors("playground.E001") == _errors("playground.E002") == _errors("webhooks.E001") == []


def test_a_video_step_lease_shorter_than_the_step_task_is_refused(monkeypatch):
    monkeypatch.setattr(video, "STEP_LEASE", timedelta(seconds=200))  # the task may run 270 s
    [error] = _errors("playground.E001")
    assert "video step" in error.msg and "playground.video_advance" in error.msg


def test_a_batch_item_lease_shorter_than_the_worker_task_is_refused(monkeypatch):
    monkeypatch.setattr(batch, "ITEM_LEASE", timedelta(seconds=60))
    [error] = _errors("playground.E002")
    assert "playground.batch_work" in error.msg


def test_a_webhook_attempt_lease_shorter_than_the_delivery_task_is_refused(settings):
    settings.WEBHOOKS_ATTEMPT_LEASE_SECONDS = 30  # the delivery task may run 50 s
    [error] = _errors("webhooks.E001")
    assert "WEBHOOKS_ATTEMPT_LEASE_SECONDS" in error.msg


def test_the_platform_does_not_start_with_such_a_setting():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "WEBHOOKS_ATTEMPT_LEASE_SECONDS": "30"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "webhooks.E001" in result.stderr
