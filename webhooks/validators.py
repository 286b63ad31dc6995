"""Checks on what users type in: URLs we may call and events they may subscribe to."""

import ipaddress
import re

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

from providers.http import is_public_address

EVENTS = ("ai.task.completed", "ai.task.failed", "quota.warning", "ai.batch.completed")
TEST_EVENT = "webhook.test"
MAX_URL_LENGTH = 2048
# A DNS label as it goes on the wire (IDNA already applied by httpx): letters, digits, hyphens inside,
# underscores (found in real records), at most 63 characters.
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
# A last label that is a number ("2130706433", "127.1", "0x7f") makes the whole name an IPv4 address
# for inet_aton and so for getaddrinfo; only the usual dotted form is accepted for addresses.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


def validate_endpoint_url(url: str) -> str:
    """Parsed by httpx, the client that delivers it, so a URL saved here is one it can send to: http(s),
    a host that is a DNS name or an IP address in its usual form, no credentials. Literal private
    addresses are refused early for a clear message; host names are checked where it matters, at
    connect time, on every delivery."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"The URL may be at most {MAX_URL_LENGTH} characters.")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValidationError(f"This URL cannot be used: {exc}.") from None
    if parsed.scheme not in ("http", "https"):
        raise ValidationError("Only http and https URLs can receive webhooks.")
    if not parsed.host:
        raise ValidationError("The URL needs a host name.")
    if parsed.userinfo:
        raise ValidationError("Put credentials in the request your endpoint checks, not in the URL.")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ValidationError("Enter a port between 1 and 65535.")
    address = _host_address(parsed.raw_host.decode("ascii").lower().removesuffix("."))
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS and _is_private(address, parsed.host):
        raise ValidationError("Webhooks cannot be sent to private, loopback or link-local addresses.")
    return url


def _host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The host's IP address when it is one, None for a DNS name; anything else is refused."""
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValidationError("The URL's host is not a valid host name.")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise ValidationError("Write an IP address in its usual form (four decimal numbers, such as 203.0.113.7).")
    return None


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, host: str) -> bool:
    if address is not None:
        return not is_public_address(address)
    host = host.lower().removesuffix(".")
    return host in ("localhost", "localhost.localdomain") or host.endswith(".localhost")


def validate_events(events: list[str]) -> list[str]:
    if not events:
        raise ValidationError("Choose at least one event.")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationError(f"Unknown events: {', '.join(unknown)}. Known: {', '.join(EVENTS)}.")
    # Keep the order of EVENTS and drop duplicates, so equal subscriptions look equal.
    return [e for e in EVENTS if e in events]
