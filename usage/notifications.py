"""Notification emails, as the user asked for them in their settings (`User.notifications`):
`quota_warnings` ("warn me at 80 % and 100 % of a quota or budget") and `job_updates` ("tell me when
video and batch jobs finish"), both only while `email` is on.

A consumer of usage.events: it only picks the events that may need an email and hands them to a task,
so a request never waits for a mail server. The task reads the settings and sends at most one email per
threshold per quota window (and one per job), whoever emits the event again.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.urls import reverse

from usage import events
from usage.limits import BUDGET_WINDOW, QUOTAS

logger = logging.getLogger(__name__)

# The public event names of finished jobs (playground.jobs emits them; usage imports nothing above it).
JOB_EVENTS = ("ai.task.completed", "ai.task.failed", "ai.batch.completed")
QUOTA_NAMES = {"daily": "daily request quota", "weekly": "weekly request quota", "monthly": "monthly request quota",
               "monthly_budget": "monthly spend budget"}  # fmt: skip
_WINDOWS = {**{q.name: q.window for q in QUOTAS}, "monthly_budget": BUDGET_WINDOW}
_JOB_MEMORY_SECONDS = 7 * 24 * 3600  # a job's "finished" email is remembered this long (redelivered tasks)


def wants_email(*, event: str, payload: dict[str, Any]) -> bool:
    """Events that may become an email: quota warnings, and finished video and batch jobs (not each item
    of a batch, nor a REST generation asked with `notify`, which are for webhooks)."""
    if event == events.QUOTA_WARNING:
        return True
    return event in JOB_EVENTS and payload.get("type", "batch") in ("video", "batch")


def email_consumer(*, user_id: int, event: str, payload: dict[str, Any]) -> None:
    if wants_email(event=event, payload=payload):
        notification_send.delay(user_id, event, payload)


def _once(key: str, seconds: int) -> bool:
    """True the first time `key` is claimed (an atomic add in the shared cache), False after that."""
    return cache.add(f"notify:{key}", 1, timeout=max(seconds, 60))


def _quota_email(user: Any, payload: dict[str, Any]) -> tuple[str, str] | None:
    quota = str(payload.get("quota_type"))
    if quota not in _WINDOWS:
        return None
    now = datetime.now(UTC)
    window, ends = _WINDOWS[quota](now)
    if not _once(f"quota:{user.pk}:{quota}:{payload.get('percentage')}:{window}", int((ends - now).total_seconds())):
        return None
    name, percent = QUOTA_NAMES[quota], payload.get("percentage")
    subject = f"{settings.SITE_NAME}: {percent}% of your {name} used"
    body = (
        f"You have used {payload.get('used')} of your {name} of {payload.get('limit')} ({percent}%).\n"
        f"{'Calls are refused until it renews.' if percent == 100 else 'Calls are refused once it is used up.'}\n\n"
        f"Your usage: {_link(reverse('usage:dashboard'))}\n"
    )
    return subject, body


def _job_email(user: Any, event: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    job = str(payload.get("task_id") or payload.get("batch_id"))
    if not _once(f"job:{user.pk}:{job}", _JOB_MEMORY_SECONDS):
        return None
    model = payload.get("model", "")
    if event == "ai.batch.completed":
        subject = f"{settings.SITE_NAME}: your batch has finished"
        body = (f"Your batch of {payload.get('total')} prompts to {model} has finished: "
                f"{payload.get('succeeded')} answered, {payload.get('failed')} failed.\n")  # fmt: skip
    elif event == "ai.task.completed":
        subject = f"{settings.SITE_NAME}: your video is ready"
        body = f"Your video from {model} is ready: {_link(reverse('playground:video'))}\n"
    else:
        subject = f"{settings.SITE_NAME}: your video could not be made"
        body = f"Your video from {model} failed: {payload.get('error') or 'no reason given'}. Nothing was charged.\n"
    return subject, body


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _opted_in(user: Any, event: str) -> bool:
    choices = user.notifications or {}
    topic = "quota_warnings" if event == events.QUOTA_WARNING else "job_updates"
    return bool(user.is_active and user.email and choices.get("email", True) and choices.get(topic, True))


def notification_email(*, user_id: int, event: str, payload: dict[str, Any]) -> bool:
    """Send the email this event calls for, if the user wants it and has not had it yet. Returns whether
    one was sent."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not _opted_in(user, event):
        return False
    email = _quota_email(user, payload) if event == events.QUOTA_WARNING else _job_email(user, event, payload)
    if email is None:
        return False
    subject, body = email
    send_mail(subject=subject, message=body + _footer(), from_email=None, recipient_list=[user.email])
    return True


def _footer() -> str:
    return f"\nChoose which emails you get: {_link(reverse('accounts:settings'))}\n"


@shared_task(name="usage.notification_send", acks_late=True, soft_time_limit=30, time_limit=40)
def notification_send(user_id: int, event: str, payload: dict[str, Any]) -> bool:
    try:
        return notification_email(user_id=user_id, event=event, payload=payload)
    except Exception:
        # A mail server outage must not fail the worker; the dashboard and webhooks still tell the user.
        logger.exception("notification email for %s to user %s failed", event, user_id)
        return False
