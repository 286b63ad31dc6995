"""Generations as CSV, for the user's history download and a conversation's export: one row per
generation, streamed as it is read (a long history never sits in memory)."""

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from config.money import money
from usage.ledger.models import Generation

CSV_COLUMNS = ["id", "created_at", "conversation", "turn", "model", "status", "prompt", "output", "tokens", "cost"]
CSV_FIELDS = ("id", "created_at", "conversation_id", "turn", "model_slug", "status", "input_messages", "content",
              "total_tokens", "cost")  # fmt: skip
# A cell a spreadsheet would read as a formula is sent as text (CSV injection, OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def last_prompt(messages: Any) -> str:
    """What the user asked last: a generation's `prompt`."""
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    """csv.writer writes into this and gets the line back, so each row is sent as soon as it is made."""

    def write(self, value: str) -> str:
        return value


def _lines(rows: QuerySet[Generation]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for g in rows.only(*CSV_FIELDS).iterator(chunk_size=500):
        line = [g.pk, g.created_at.isoformat(), g.conversation_id, g.turn, g.model_slug, g.status,
                last_prompt(g.input_messages), g.content, g.total_tokens, money(g.cost)]  # fmt: skip
        yield writer.writerow([_cell(v) for v in line])


def generations_csv(rows: QuerySet[Generation], *, filename: str) -> StreamingHttpResponse:
    """`rows` in the order given, as a CSV download named `filename`."""
    response = StreamingHttpResponse(_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
