"""Conversation search: PostgreSQL full-text (GIN expression indexes on titles and answers), and a
plain substring fallback on SQLite, the single-user embedded default."""

from django.db import connection
from django.db.models import Q, QuerySet

from playground.models import Conversation
from usage.models import Generation

CONFIG = "english"


def search_conversations(base: QuerySet[Conversation], query: str) -> QuerySet[Conversation]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # The expressions match the indexes in migration 0002 exactly, so PostgreSQL uses them.
        search = SearchQuery(query, search_type="websearch", config=CONFIG)
        by_title = base.annotate(sv=SearchVector("title", config=CONFIG)).filter(sv=search).values("pk")
        by_answer = (
            Generation.objects.filter(conversation__in=base.values("pk"), removed_at__isnull=True)
            .annotate(sv=SearchVector("content", config=CONFIG))
            .filter(sv=search)
            .values("conversation_id")
        )
        return base.filter(Q(pk__in=by_title) | Q(pk__in=by_answer)).order_by("-updated_at")
    return (
        base.filter(
            Q(title__icontains=query)
            | Q(generations__content__icontains=query, generations__removed_at__isnull=True)
            | Q(generations__input_messages__icontains=query, generations__removed_at__isnull=True)
        )
        .distinct()
        .order_by("-updated_at")
    )
