from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from providers.base import ProviderConfig, ProviderError
from providers.errors import parse_retry_after
from providers.retry import backoff_delay, retry_delay

CONFIG = ProviderConfig(kind="openai", base_url="http://x", max_retries=2, max_retry_wait=10)


def test_retry_after_ms_wins_over_retry_after():
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "3"}) == 0.25


def test_retry_after_may_be_seconds():
    assert parse_retry_after({"Retry-After": "1.5"}) == 1.5


def test_retry_after_may_be_an_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)

    assert 28 <= parse_retry_after({"Retry-After": when}) <= 30


def test_missing_or_garbage_retry_after_is_none():
    assert parse_retry_after({}) is None
    assert parse_retry_after({"Retry-After": "soon"}) is None


def test_backoff_grows_and_is_capped():
    assert 0.375 <= backoff_delay(0) <= 0.5
    assert 0.75 <= backoff_delay(1) <= 1.0
    assert backoff_delay(20) <= 8.0


def test_a_short_server_wait_is_used_and_a_long_one_is_not_retried():
    short = ProviderError("rate_limited", "slow down", retry_after=2)
    long = ProviderError("rate_limited", "slow down", retry_after=60)

    assert retry_delay(short, 0, CONFIG) == 2
    assert retry_delay(long, 0, CONFIG) is None


@pytest.mark.parametrize("kind", ["authentication", "bad_request", "quota_exhausted", "model_not_found"])
def test_client_errors_are_never_retried(kind):
    assert retry_delay(ProviderError(kind, "no"), 0, CONFIG) is None


def test_retries_stop_after_max_retries():
    error = ProviderError("unavailable", "down")

    assert retry_delay(error, 1, CONFIG) is not None
    assert retry_delay(error, 2, CONFIG) is None
