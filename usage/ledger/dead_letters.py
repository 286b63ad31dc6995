"""Dead letters: queued ledger rows PostgreSQL refused, kept with the reason until an operator retries
or discards them (the admin's "Ledger dead letters" page).

A retry stores the row as it was queued. "Retry with repaired text" first replaces what PostgreSQL
cannot hold in a text (a NUL byte, a lone surrogate) with U+FFFD, so a billed call reaches the ledger
with its tokens and cost even when a character of its prompt cannot be kept.
"""

from __future__ import annotations

import re
from typing import Any

from usage.ledger import recorded, writer
from usage.ledger.models import DeadLetter

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def repaired(value: Any) -> Any:
    """`value` with every NUL byte and lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [repaired(item) for item in value]
    if isinstance(value, dict):
        return {key: repaired(item) for key, item in value.items()}
    return value


def retry(letter: DeadLetter, *, repair: bool = False) -> str:
    """Store the letter's row and delete the letter; returns "" when stored, else why not (kept on the
    letter). A lost database connection raises."""
    row, problem = writer.readable(letter.raw.encode())
    if row is not None:
        if repair:
            row = repaired(row)
        try:
            writer.insert([row])
        except writer.TRANSIENT_ERRORS:
            raise
        except writer.ROW_ERRORS as exc:
            problem = f"{type(exc).__name__}: {exc}"
    if problem:
        letter.error, letter.attempts = writer.storable_text(problem), letter.attempts + 1
        letter.save(update_fields=["error", "attempts", "updated_at"])
        return problem
    recorded([row])
    letter.delete()
    return ""
