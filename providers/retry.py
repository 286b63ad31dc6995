"""Retries shared by all adapters.

Exponential backoff with jitter (0.5 s doubling, capped at 8 s, like the official OpenAI SDK), or
the server's own Retry-After when it is short enough. Streams are retried only until the first item
has been handed to the caller: after that the caller has shown text to a user and a retry would
duplicate it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import TypeVar

import httpx

from providers.base import ProviderConfig, ProviderError
from providers.errors import transport_error
from providers.http import BlockedAddress

T = TypeVar("T")

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0


def backoff_delay(attempt: int) -> float:
    base = min(INITIAL_DELAY * 2**attempt, MAX_DELAY)
    return base * (1 - 0.25 * random.random())


def retry_delay(error: ProviderError, attempt: int, config: ProviderConfig) -> float | None:
    """Seconds to wait before the next attempt, or None if this error should not be retried."""
    if not error.retryable or attempt >= config.max_retries:
        return None
    if error.retry_after is not None:
        # A long server-requested wait is the caller's decision (fallback, or tell the user).
        return error.retry_after if error.retry_after <= config.max_retry_wait else None
    return backoff_delay(attempt)


def _as_provider_error(provider: str, exc: Exception) -> ProviderError:
    return exc if isinstance(exc, ProviderError) else transport_error(provider, exc)


def _deadline_error(provider: str, config: ProviderConfig) -> ProviderError:
    return ProviderError(
        "timeout", f"no complete reply within {config.total_timeout:g}s", provider=provider, retryable=False
    )


async def call_with_retries(config: ProviderConfig, provider: str, attempt_fn: Callable[[], Awaitable[T]]) -> T:
    deadline = time.monotonic() + config.total_timeout
    attempt = 0
    while True:
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                return await attempt_fn()
        except TimeoutError as exc:
            raise _deadline_error(provider, config) from exc
        except (ProviderError, httpx.HTTPError, BlockedAddress) as exc:
            error = _as_provider_error(provider, exc)
            delay = retry_delay(error, attempt, config)
            if delay is None or time.monotonic() + delay > deadline:
                raise error from (None if error is exc else exc)
        attempt += 1
        await asyncio.sleep(delay)


async def stream_with_retries(
    config: ProviderConfig, provider: str, open_stream: Callable[[], AsyncIterator[T]]
) -> AsyncIterator[T]:
    """Iterate `open_stream()`, starting over on retryable errors that happen before the first item.

    `open_stream` should use `async with client.stream(...)` so that closing this generator (the
    consumer stopped, or its task was cancelled) closes the upstream response too.
    """
    deadline = time.monotonic() + config.total_timeout
    attempt = 0
    while True:
        started = False
        try:
            async with aclosing(open_stream()) as items:
                async for item in items:
                    started = True
                    yield item
                    # read_timeout bounds each gap; this bounds the whole reply.
                    if time.monotonic() > deadline:
                        raise _deadline_error(provider, config)
            return
        except (ProviderError, httpx.HTTPError, BlockedAddress) as exc:
            error = _as_provider_error(provider, exc)
            delay = None if started else retry_delay(error, attempt, config)
            if delay is None or time.monotonic() + delay > deadline:
                raise error from (None if error is exc else exc)
        attempt += 1
        await asyncio.sleep(delay)
