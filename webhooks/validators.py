"""Checks on what users type in: URLs we may call and events they may subscribe to."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from providers.http import is_public_address

EVENTS = ("ai.task.completed", "ai.task.failed", "quota.warning", "ai.batch.completed")
TEST_EVENT = "webhook.test"
MAX_URL_LENGTH = 2048


def validate_endpoint_url(url: str) -> str:
    """http(s) with a host. Literal private IPs are refused early for a clear message;
    host names are checked where it matters, at connect time, on every delivery."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"The URL may be at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise ValidationError("Enter a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("Only http and https URLs can receive webhooks.")
    if not parts.hostname:
        raise ValidationError("The URL needs a host name.")
    if parts.username or parts.password:
        raise ValidationError("Put credentials in the request your endpoint checks, not in the URL.")
    if port == 0:
        raise ValidationError("Enter a valid port.")
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS and _is_private_literal(parts.hostname):
        raise ValidationError("Webhooks cannot be sent to private, loopback or link-local addresses.")
    return url


def _is_private_literal(host: str) -> bool:
    try:
        return not is_public_address(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        return host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost")


def validate_events(events: list[str]) -> list[str]:
    if not events:
        raise ValidationError("Choose at least one event.")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationError(f"Unknown events: {', '.join(unknown)}. Known: {', '.join(EVENTS)}.")
    # Keep the order of EVENTS and drop duplicates, so equal subscriptions look equal.
    return [e for e in EVENTS if e in events]
