"""Conversation search. On PostgreSQL: full text over one `tsvector` per conversation (its title,
prompts and answers), kept on write - each turn adds its words as it ends, an edit or a rename
rebuilds it - and GIN-indexed together with the owner (btree_gin), so a search reads one user's
matches only, never the ledger. On SQLite, the single-user embedded default: a substring scan.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet

from playground.models import Conversation

logger = logging.getLogger(__name__)
CONFIG = "english"
# Enough words for any real answer; to_tsvector refuses a document over 1 MB.
MAX_TURN_CHARS = 200_000


def search_conversations(base: QuerySet[Conversation], query: str) -> QuerySet[Conversation]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        return base.filter(search=SearchQuery(query, search_type="websearch", config=CONFIG)).order_by(
            "-updated_at", "-pk"
        )
    return (
        base.filter(
            Q(title__icontains=query)
            | Q(generations__content__icontains=query, generations__removed_at__isnull=True)
            | Q(generations__input_messages__icontains=query, generations__removed_at__isnull=True)
        )
        .distinct()
        .order_by("-updated_at", "-pk")
    )


def search_index_turn(conversation_id: Any, texts: Iterable[str]) -> None:
    """Add a finished turn's prompt and answers to the conversation's words."""
    if connection.vendor != "postgresql":
        return
    text = "\n".join(t for t in texts if t)[:MAX_TURN_CHARS]
    _run(
        "UPDATE playground_conversation SET search = COALESCE(search, ''::tsvector)"
        " || to_tsvector(%s::regconfig, %s) WHERE id = %s",
        [CONFIG, text, conversation_id],
    )


# The title, then every prompt and answer still in the conversation (edited-away turns are not).
_REINDEX = """
UPDATE playground_conversation c SET search = to_tsvector(%s::regconfig, COALESCE(c.title, '') || ' ' || COALESCE((
    SELECT string_agg(
        COALESCE(g.content, '') || ' ' || COALESCE(g.input_messages -> -1 ->> 'content', ''), ' ' ORDER BY g.turn
    )
    FROM playground_generation g WHERE g.conversation_id = c.id AND g.removed_at IS NULL
), ''))
WHERE c.id = {target}
"""


def search_reindex(conversation_id: Any) -> None:
    """Rebuild one conversation's words from its title and its turns (after a rename or an edit)."""
    if connection.vendor == "postgresql":
        _run(_REINDEX.format(target="%s"), [CONFIG, conversation_id])


def _run(sql: str, params: list[Any]) -> None:
    # A conversation whose words outgrow what a tsvector holds (1 MB) stays searchable by what it
    # had: indexing must never fail the turn or the rename that asked for it.
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        logger.warning("conversation search: could not index %s", params[-1], exc_info=True)
