"""Webhook deliveries, batch items and video steps each have their own Celery queue, and the workers
of the Procfile and of `make run` (config/run.py) consume every queue between them."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("webhooks.deliver", "webhooks"),
        ("playground.batch_work", "batch"),
        ("playground.video_advance", "video"),
        ("webhooks.deliver_due", "celery"),
        ("usage.ledger_sweep", "celery"),
    ],
)
def test_each_kind_of_slow_work_has_its_queue(task, queue):
    app.loader.import_default_modules()
    assert task in app.tasks  # a renamed task would silently fall back to the default queue
    assert queue_of(task) == queue


def consumed(command: str) -> set[str]:
    found = re.search(r"(?:-Q|--queues)[ =](\S+)", command)
    return set(found.group(1).split(",")) if found else set(settings.CELERY_TASK_QUEUES)


def test_the_procfile_runs_a_worker_for_every_queue_and_one_per_slow_queue():
    workers = [line.split(":", 1)[1] for line in (ROOT / "Procfile").read_text().splitlines() if " worker" in line]
    queues = [consumed(w) for w in workers]

    assert set().union(*queues) == set(settings.CELERY_TASK_QUEUES)
    for slow in ("webhooks", "batch", "video"):
        assert {slow} in queues, f"no worker of its own for {slow}"


def test_make_run_consumes_every_queue():
    from config.run import server_commands

    worker = server_commands("127.0.0.1", 8000, ROOT / "var")["worker"]
    assert consumed(" ".join(worker)) == set(settings.CELERY_TASK_QUEUES)
