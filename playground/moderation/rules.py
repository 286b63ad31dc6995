"""Automatic flags: every recorded generation is checked against the moderation providers.

The ledger tells this module about every row it stores (usage.ledger.on_recorded), whichever door
or job recorded it. Checks run in-process right after the Generation row is written: the active rules come from the
shared cache (one GET, invalidated when an admin saves a rule) and are compiled once per process,
so a generation that matches nothing costs a regex scan and no database write. Only a match writes
(a Flag row, and `hidden` when the rule says so), and matches are rare.

Anything that can say "this text is a problem" plugs in as a ModerationProvider: the rules engine
is one; a provider's moderation endpoint is another (list its class in settings.MODERATION_PROVIDERS).

Hidden means: kept off public share pages and queued for review. The owner still sees the answer
in their own history, because hiding is a moderation hold, not a deletion (playground.moderation.flags).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from functools import cache as memoize
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.module_loading import import_string

from config.memo import Memo
from playground.models import Flag, FlagSource, ModerationRule, RuleAction, RuleKind
from usage.models import Generation

logger = logging.getLogger(__name__)

RULES_CACHE_KEY = "moderation:rules:v1"
RULES_TTL = 24 * 3600
DEFAULT_PROVIDERS = ["playground.moderation.rules.RuleEngine"]


@dataclass(frozen=True)
class Finding:
    """One reason to flag a text."""

    reason: str
    source: str = FlagSource.RULE
    rule_id: int | None = None
    hide: bool = False


class ModerationProvider(Protocol):
    def check(self, text: str) -> list[Finding]: ...


# --- The rules engine ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledRule:
    rule_id: int
    name: str
    regex: re.Pattern[str]
    hide: bool


RuleRow = tuple[int, str, str, str, str]  # id, name, kind, pattern, action


# Checked for every recorded generation, so this process keeps the rows for a second.
_rules_memo: Memo[tuple[RuleRow, ...]] = Memo("moderation rules", ttl=1.0)


def _shared_rules() -> tuple[RuleRow, ...]:
    rows = cache.get(RULES_CACHE_KEY)
    if rows is None:
        rows = tuple(
            ModerationRule.objects.filter(active=True)
            .order_by("pk")
            .values_list("pk", "name", "kind", "pattern", "action")
        )
        cache.set(RULES_CACHE_KEY, rows, RULES_TTL)
    return tuple(tuple(row) for row in rows)  # type: ignore[misc]


def _load_rules() -> tuple[RuleRow, ...]:
    return _rules_memo.get(RULES_CACHE_KEY, _shared_rules)


def compile_pattern(kind: str, pattern: str) -> re.Pattern[str]:
    """Keywords match whole words, case-insensitively; regular expressions are taken as written."""
    if kind == RuleKind.KEYWORD:
        return re.compile(rf"(?<!\w){re.escape(pattern.strip())}(?!\w)", re.IGNORECASE)
    return re.compile(pattern, re.IGNORECASE)


@memoize
def _compiled(rows: tuple[RuleRow, ...]) -> tuple[_CompiledRule, ...]:
    # Memoized on the rule rows themselves: an edited rule is a new key, so nothing stale survives.
    compiled = []
    for rule_id, name, kind, pattern, action in rows:
        try:
            compiled.append(_CompiledRule(rule_id, name, compile_pattern(kind, pattern), action == RuleAction.HIDE))
        except re.error:
            logger.warning("moderation rule %s has an invalid pattern; skipped", rule_id)
    return tuple(compiled)


class RuleEngine:
    """Admin-editable keyword and regular-expression rules."""

    def check(self, text: str) -> list[Finding]:
        rules = _compiled(_load_rules())
        return [
            Finding(reason=f"Rule “{r.name}” matched", rule_id=r.rule_id, hide=r.hide)
            for r in rules
            if r.regex.search(text)
        ]


def rules_changed() -> None:
    """Call after any rule is saved or deleted: every process reads the new rules on its next check."""
    cache.delete(RULES_CACHE_KEY)
    _rules_memo.forget()


@memoize
def _providers(paths: tuple[str, ...]) -> tuple[ModerationProvider, ...]:
    return tuple(import_string(path)() for path in paths)


def providers() -> tuple[ModerationProvider, ...]:
    return _providers(tuple(getattr(settings, "MODERATION_PROVIDERS", DEFAULT_PROVIDERS)))


# --- Checking a generation ---------------------------------------------------------------------------


def _message_text(messages: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for message in messages or []:
        body = message.get("content") if isinstance(message, dict) else None
        if isinstance(body, str):
            parts.append(body)
        elif isinstance(body, list):  # multi-part messages: only the text parts are checked
            parts.extend(p.get("text", "") for p in body if isinstance(p, dict))
    return "\n".join(parts)


def findings_for(text: str) -> list[Finding]:
    found: list[Finding] = []
    for provider in providers():
        found.extend(provider.check(text))
    return found


def check_recorded(row: dict[str, Any]) -> None:
    """The ledger's listener: every stored generation, whichever door or job it came from."""
    check_generation(row["id"], row.get("content", ""), row.get("input_messages"))


def check_generation(
    generation_id: uuid.UUID, content: str, input_messages: list[dict[str, Any]] | None = None
) -> list[Flag]:
    """Flag a just-recorded generation when its prompt or answer matches. Never raises: moderation
    must not turn a recorded answer into an error for the caller."""
    text = "\n".join(filter(None, [_message_text(input_messages or []), content]))
    if not text:
        return []
    try:
        found = findings_for(text)
        return _record_findings(generation_id, found) if found else []
    except Exception:
        logger.exception("moderation check failed for generation %s", generation_id)
        return []


@transaction.atomic
def _record_findings(generation_id: uuid.UUID, found: list[Finding]) -> list[Flag]:
    # A ledger row can be stored twice (a writer that died after its INSERT); flag it once.
    if Flag.objects.filter(generation_id=generation_id, source__in={f.source for f in found}).exists():
        return []
    flags = Flag.objects.bulk_create(
        [Flag(generation_id=generation_id, reason=f.reason[:300], source=f.source, rule_id=f.rule_id) for f in found]
    )
    if any(f.hide for f in found):
        Generation.objects.filter(pk=generation_id).update(hidden=True)
    return flags
