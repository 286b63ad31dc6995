"""Waiting for rows recorded behind the response (see usage.ledger.writer)."""

import time

from usage.ledger import writer as ledger


def flush_ledger(timeout: float = 10.0) -> None:
    """Store every queued row now, and wait for rows a writer thread has claimed to be committed."""
    deadline = time.monotonic() + timeout
    while True:
        ledger.drain()
        if ledger.idle():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"ledger rows still queued or claimed after {timeout:.0f} s")
        time.sleep(0.02)
