"""Webhook endpoints, events, and signed delivery with retries. Every door (API, pages, tasks,
the gateway's event hook) goes through these functions."""

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from providers import http
from webhooks import signing, slots
from webhooks.models import OPEN_STATUSES, Delivery, DeliveryAttempt, DeliveryStatus, Message, WebhookEndpoint
from webhooks.validators import TEST_EVENT

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 1024
INTERRUPTED = "The worker stopped during this attempt; the delivery was attempted again."


# --- Endpoints ---------------------------------------------------------------------------------------


class EndpointLimitReached(Exception):
    """The user already has WEBHOOKS_MAX_ENDPOINTS_PER_USER endpoints."""

    def __init__(self, limit: int) -> None:
        noun = "endpoint" if limit == 1 else "endpoints"
        super().__init__(f"You can have at most {limit} webhook {noun}; delete one to add another.")
        self.limit = limit


@transaction.atomic
def endpoint_create(
    *, user: User, url: str, events: list[str], secret: str | None = None, active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it and its secret (generated when not given), which is shown only now.

    Raises EndpointLimitReached past WEBHOOKS_MAX_ENDPOINTS_PER_USER: each endpoint may hold delivery
    slots, so the number of endpoints bounds what one user can keep the delivery workers busy with."""
    limit = settings.WEBHOOKS_MAX_ENDPOINTS_PER_USER
    # The user's row is the lock, so two requests at once cannot both add the last allowed endpoint.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if WebhookEndpoint.objects.filter(user=user).count() >= limit:
        raise EndpointLimitReached(limit)
    secret = secret or signing.generate_secret()
    endpoint = WebhookEndpoint.objects.create(user=user, url=url, events=events, secret=secret, active=active)
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
    secret: str | None = None,
) -> WebhookEndpoint:
    if url is not None:
        endpoint.url = url
    if events is not None:
        endpoint.events = events
    if active is not None:
        if active and not endpoint.active:
            # Switching back on is the owner saying the receiver is fixed: start the failure clock afresh.
            endpoint.disabled_reason, endpoint.disabled_at, endpoint.failing_since = "", None, None
        endpoint.active = active
    endpoint.save()
    if secret is not None and secret != endpoint.secret:
        endpoint_rotate_secret(endpoint=endpoint, secret=secret)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, secret: str | None = None) -> str:
    """A new secret signs from now on; the old one also signs for WEBHOOKS_SECRET_GRACE_HOURS."""
    new_secret = secret or signing.generate_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=settings.WEBHOOKS_SECRET_GRACE_HOURS)
    endpoint.secret = new_secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return new_secret


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def _endpoint_disable(endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> None:
    endpoint.active = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now


# --- Events ------------------------------------------------------------------------------------------


@transaction.atomic
def event_emit(*, user_id: int, event: str, payload: dict[str, Any]) -> list[int]:
    """Record `event` for the user and queue one delivery per active endpoint subscribed to it.

    `payload` is the event's `data` object (product spec); `user_id` and `timestamp` are filled in when
    missing. The tasks are queued when the caller's transaction commits, so a rolled-back generation
    sends nothing and a worker never looks for a row it cannot see yet. Returns the delivery ids.
    """
    endpoints = [e for e in WebhookEndpoint.objects.filter(user_id=user_id, active=True) if e.subscribes_to(event)]
    if not endpoints:
        return []
    message = _message_create(user_id=user_id, event=event, payload=payload)
    return [_delivery_create(endpoint=e, message=message).pk for e in endpoints]


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint) -> Delivery:
    """A `webhook.test` event to this one endpoint, whatever it subscribes to and even when it is off."""
    message = _message_create(
        user_id=endpoint.user_id,
        event=TEST_EVENT,
        payload={"message": "This is a test event from Switchboard.", "webhook_id": endpoint.pk},
    )
    return _delivery_create(endpoint=endpoint, message=message, force=True)


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send the same message again as a new delivery; the `webhook-id` stays the message id."""
    return _delivery_create(endpoint=delivery.endpoint, message=delivery.message, force=True)


def _message_create(*, user_id: int, event: str, payload: dict[str, Any]) -> Message:
    now = timezone.now()
    data = {**payload}
    data.setdefault("user_id", str(user_id))
    data.setdefault("timestamp", now.isoformat().replace("+00:00", "Z"))
    return Message.objects.create(user_id=user_id, event=event, payload=data, created_at=now)


def _delivery_create(*, endpoint: WebhookEndpoint, message: Message, force: bool = False) -> Delivery:
    now = timezone.now()
    delivery = Delivery.objects.create(endpoint=endpoint, message=message, next_attempt_at=now, enqueued_at=now)
    # A test or a redelivery is an explicit request: its first attempt goes out even to a switched-off endpoint.
    _enqueue_on_commit(delivery.pk, force=force)
    return delivery


def _enqueue_on_commit(delivery_id: int, *, force: bool = False) -> None:
    from webhooks.tasks import deliver

    transaction.on_commit(lambda: deliver.delay(delivery_id, force=force))


# --- Delivery ----------------------------------------------------------------------------------------


@dataclass
class AttemptResult:
    status_code: int | None = None
    excerpt: str = ""
    duration_ms: int = 0
    error: str = ""
    # Trying again cannot help (a URL the client cannot parse): the delivery fails now, not after the schedule.
    final: bool = False

    @property
    def succeeded(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


def deliveries_enqueue_due(*, limit: int = 500) -> int:
    """Queue a task for every open delivery whose next attempt is due (run by celery beat).

    Retries are scheduled here rather than as countdown/ETA tasks: a 10-hour ETA task sits in a
    worker's memory and Redis hands it out again after the visibility timeout, while a row with
    `next_attempt_at` in the database survives restarts and lost workers and is picked up by
    whichever sweeper runs next. skip_locked lets several beat-like callers run without blocking.
    """
    now = timezone.now()
    requeue_before = now - timedelta(seconds=settings.WEBHOOKS_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue_before))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        for delivery_id in ids:
            _enqueue_on_commit(delivery_id)
    return len(ids)


def delivery_attempt(*, delivery_id: int, force: bool = False) -> DeliveryAttempt | None:
    """Make the due attempt of a delivery, record it, and schedule the next one.

    Safe to run twice (acks_late may redeliver the task): only one caller can claim an attempt,
    and a delivery that is finished or not yet due is left alone. `force` sends even when the
    endpoint is switched off (tests and redeliveries the owner asked for).
    """
    owner = Delivery.objects.filter(pk=delivery_id).values_list("endpoint_id", "endpoint__user_id").first()
    if owner is None:
        return None
    # A slot lasts as long as the attempt's lease, which outlives the task's time limit.
    lease = settings.WEBHOOKS_ATTEMPT_LEASE_SECONDS
    slot = slots.slot_take(endpoint_id=owner[0], user_id=owner[1], seconds=lease)
    if slot is None:
        _postpone(delivery_id, force=force)
        return None
    try:
        claimed = _claim(delivery_id, force=force)
        if claimed is None:
            return None
        delivery, attempt = claimed
        outcome = _send(delivery, attempted_at=attempt.attempted_at)
        _record(delivery, attempt, outcome)
        return attempt
    finally:
        slots.slot_release(slot)


def _postpone(delivery_id: int, *, force: bool) -> None:
    """The endpoint or its owner has as many deliveries in flight as allowed: try again shortly. Not an
    attempt, so nothing is recorded and the retry schedule does not move."""
    from webhooks.tasks import deliver

    delay = settings.WEBHOOKS_BUSY_RETRY_SECONDS * random.uniform(1, 1.5)
    # The sweeper queues without `force`, which would drop a test or redelivery to a switched-off endpoint.
    # (In eager mode a countdown would run at once, over and over, so there the row waits like any other.)
    if force and not deliver.app.conf.task_always_eager:
        deliver.apply_async((delivery_id,), {"force": True}, countdown=delay)
        return
    now = timezone.now()
    # Only while still due: a delivery another worker is attempting keeps that attempt's lease.
    Delivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=delay), enqueued_at=None, updated_at=now
    )


def _claim(delivery_id: int, *, force: bool) -> tuple[Delivery, DeliveryAttempt] | None:
    now = timezone.now()
    lease_end = now + timedelta(seconds=settings.WEBHOOKS_ATTEMPT_LEASE_SECONDS)
    with transaction.atomic():
        if not force:
            # Deliveries for an endpoint switched off since they were queued are not sent.
            Delivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, endpoint__active=False).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None, enqueued_at=None, updated_at=now
            )
        # One conditional UPDATE is the claim: of two workers running the same task, one wins.
        won = Delivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, next_attempt_at__lte=now).update(
            next_attempt_at=lease_end, attempt_count=F("attempt_count") + 1, updated_at=now
        )
        if not won:
            return None
        delivery = Delivery.objects.select_related("endpoint__user", "message").get(pk=delivery_id)
        delivery.attempts.filter(finished_at__isnull=True).update(finished_at=now, error=INTERRUPTED)
        attempt = DeliveryAttempt.objects.create(delivery=delivery, attempted_at=now)
    return delivery, attempt


def _send(delivery: Delivery, *, attempted_at: datetime) -> AttemptResult:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.message.body(), separators=(",", ":"), ensure_ascii=False).encode()
    headers = signing.headers(
        endpoint.signing_secrets(attempted_at),
        msg_id=delivery.webhook_id,
        timestamp=int(time.time()),
        body=body,
    )
    limit = settings.WEBHOOKS_TIMEOUT_SECONDS
    outcome = AttemptResult()
    started = time.monotonic()
    try:
        with (
            http.sync_client(
                allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_URLS,
                timeout=httpx.Timeout(limit),
                follow_redirects=False,
            ) as client,
            client.stream("POST", endpoint.url, content=body, headers=headers) as response,
        ):
            outcome.status_code = response.status_code
            outcome.excerpt = _read_excerpt(response, started=started, limit=limit)
    except httpx.TimeoutException:
        outcome.error = f"No answer within {limit:g} s."
    except http.BlockedAddress as exc:
        outcome.error = f"Refused: {exc}"[:500]
    except httpx.InvalidURL as exc:
        # Saved before URLs were parsed at save time; left unrecorded, the attempt would be claimed again forever.
        outcome.error, outcome.final = f"The URL cannot be used: {exc}"[:500], True
    except (httpx.HTTPError, OSError) as exc:
        outcome.error = (str(exc) or type(exc).__name__)[:500]
    except Exception as exc:
        # Anything else is our fault, not the receiver's: logged, and recorded as a failed attempt so the
        # delivery follows its retry schedule instead of being re-claimed every few minutes for ever.
        logger.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
        outcome.error = f"Internal error while sending ({type(exc).__name__})."
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    if not outcome.error and outcome.duration_ms > limit * 1000:
        # httpx timeouts apply per read; a receiver trickling bytes can exceed the total.
        outcome.error = f"The answer took longer than {limit:g} s."
    return outcome


def _read_excerpt(response: httpx.Response, *, started: float, limit: float) -> str:
    """The first KB of the body; the rest is never downloaded."""
    chunks = b""
    for chunk in response.iter_bytes():
        chunks += chunk
        if len(chunks) >= EXCERPT_BYTES or time.monotonic() - started > limit:
            break
    return chunks[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def _next_delay(attempt_count: int) -> timedelta | None:
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    if attempt_count >= len(schedule):
        return None
    jitter = settings.WEBHOOKS_RETRY_JITTER
    return timedelta(seconds=schedule[attempt_count] * random.uniform(1 - jitter, 1 + jitter))


def _record(delivery: Delivery, attempt: DeliveryAttempt, outcome: AttemptResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        attempt.finished_at = now
        attempt.status_code = outcome.status_code
        attempt.response_excerpt = outcome.excerpt
        attempt.duration_ms = outcome.duration_ms
        attempt.error = outcome.error
        attempt.save()
        # Locked so two deliveries finishing at once do not overwrite each other's failure clock.
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        endpoint.last_delivery_at = now
        delivery.enqueued_at = None
        if outcome.succeeded:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
            endpoint.failing_since = None
        elif outcome.final:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            endpoint.failing_since = endpoint.failing_since or now
        elif outcome.status_code == 410:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            _endpoint_disable(endpoint, reason="The endpoint answered 410 Gone, so it was switched off.", now=now)
        else:
            _record_failure(delivery, endpoint, now=now)
        delivery.save(update_fields=["status", "next_attempt_at", "enqueued_at", "updated_at"])
        endpoint.save()


def _record_failure(delivery: Delivery, endpoint: WebhookEndpoint, *, now: datetime) -> None:
    endpoint.failing_since = endpoint.failing_since or now
    delay = _next_delay(delivery.attempt_count)
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, now + delay
    days = settings.WEBHOOKS_DISABLE_AFTER_DAYS
    if endpoint.active and endpoint.failing_for(now) >= timedelta(days=days):
        _endpoint_disable(endpoint, reason=f"Deliveries failed for {days} days, so it was switched off.", now=now)
        endpoint_id = endpoint.pk
        transaction.on_commit(lambda: _notify_disabled(endpoint_id))


def _notify_disabled(endpoint_id: int) -> None:
    endpoint = WebhookEndpoint.objects.select_related("user").get(pk=endpoint_id)
    link = settings.SITE_URL.rstrip("/") + reverse("webhooks:detail", args=[endpoint.pk])
    try:
        send_mail(
            subject=f"{settings.SITE_NAME}: webhook endpoint switched off",
            message=(
                f"Deliveries to your webhook endpoint\n\n  {endpoint.url}\n\nhave failed for "
                f"{settings.WEBHOOKS_DISABLE_AFTER_DAYS} days, so we switched it off. Nothing more is sent to it "
                f"until you switch it back on:\n\n  {link}\n"
            ),
            from_email=None,
            recipient_list=[endpoint.user.email],
        )
    except Exception:
        # The notice on the webhooks page still tells the owner; a mail server outage must not fail the task.
        logger.exception("Could not email the owner of webhook endpoint %s", endpoint_id)


# --- Account export and deletion ---------------------------------------------------------------------


def account_export(user: User) -> dict[str, Any]:
    endpoints = WebhookEndpoint.objects.filter(user=user).order_by("created_at")
    return {
        "webhooks": [
            {"url": e.url, "events": e.events, "active": e.active, "created_at": e.created_at.isoformat()}
            for e in endpoints
        ]
    }


def account_erase(user: User) -> None:
    # Endpoints hold URLs and secrets; messages hold the user's events. Deliveries go with them.
    WebhookEndpoint.objects.filter(user=user).delete()
    Message.objects.filter(user=user).delete()
