"""The records door (DRF): what was recorded, read back: the usage summary, the generation log, and the
sessions (conversations)."""

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import HasScope
from config.api.exceptions import ApiError
from config.api.pagination import PagePagination
from config.api.renderers import WithMessage
from config.money import MoneyField
from playground.models import Conversation, SessionStatus
from usage.models import Generation
from usage.selectors import MAX_RANGE_DAYS, ledger_total, quota_block, usage_summary


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ApiError(
            "VALIDATION_ERROR", f"{name} must be an ISO date (YYYY-MM-DD).", {name: ["Invalid date."]}
        ) from None


class AiUsageView(APIView):
    permission_classes = [HasScope("usage:read")]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start and end and (end < start or (end - start).days >= MAX_RANGE_DAYS):
            raise ApiError(
                "VALIDATION_ERROR",
                f"end_date must be on or after start_date, at most {MAX_RANGE_DAYS} days apart.",
                {"end_date": ["Out of range."]},
            )
        summary = usage_summary(user=request.user, start=start, end=end, model=request.query_params.get("model"))
        return Response({"usage": summary, "quota": quota_block(request.user)})


class GenerationSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model_slug")
    cost = MoneyField(allow_null=True)

    class Meta:
        model = Generation
        fields = [
            "id", "conversation", "door", "requested_model", "model", "status", "finish_reason",
            "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens",
            "tokens_estimated", "cost", "ttft_ms", "duration_ms", "cache_hit", "error_code", "error_message",
            "api_key", "created_at",
        ]  # fmt: skip


class GenerationListView(APIView):
    """`GET /api/v1/usage`: the caller's generations, newest first, paginated (index: user, created)."""

    permission_classes = [HasScope("usage:read")]
    pagination_class = PagePagination  # the page's shape and parameters in the schema

    def count_rows(self, queryset: Any) -> int | None:
        """The page's `total` from the usage figures (closed days' rollups, the ledger for the rest)
        instead of counting a heavy user's million rows; a status filter is counted."""
        if self.request.query_params.get("status"):
            return None
        return ledger_total(user_id=self.request.user.pk, model=self.request.query_params.get("model"))

    @extend_schema(
        responses={200: GenerationSerializer(many=True)},
        parameters=[
            OpenApiParameter("model", str, description="Only this model's generations (its slug)."),
            OpenApiParameter("status", str, description="Only generations with this status."),
        ],
    )
    def get(self, request: Request) -> Response:
        queryset = Generation.objects.filter(user=request.user)
        if model := request.query_params.get("model"):
            queryset = queryset.filter(model_slug=model)
        if status := request.query_params.get("status"):
            queryset = queryset.filter(status=status)
        paginator = PagePagination()
        page = paginator.paginate_queryset(queryset, request, self)
        return paginator.get_paginated_response(GenerationSerializer(page, many=True).data)


class ConversationSerializer(serializers.ModelSerializer):
    total_cost = MoneyField(allow_null=True)

    class Meta:
        model = Conversation
        fields = ["id", "title", "system_prompt", "models", "status", "generation_count", "total_tokens",
                  "total_cost", "created_at", "updated_at"]  # fmt: skip


class ConversationDetailSerializer(ConversationSerializer):
    generations = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "generations"]

    def get_generations(self, conversation: Conversation) -> list[dict[str, Any]]:
        rows = conversation.generations.filter(removed_at__isnull=True).order_by("created_at")
        return [
            {**GenerationSerializer(g).data, "content": g.content, "input_messages": g.input_messages} for g in rows
        ]


class SessionListView(APIView):
    permission_classes = [HasScope("ai:read")]
    sort_field = "updated_at"
    pagination_class = PagePagination

    @extend_schema(responses={200: ConversationSerializer(many=True)})
    def get(self, request: Request) -> Response:
        sessions = Conversation.objects.filter(owner=request.user)
        if status := request.query_params.get("status"):
            if status not in SessionStatus.values:
                allowed = ", ".join(SessionStatus.values)
                raise ApiError("VALIDATION_ERROR", f"status must be one of {allowed}.", {"status": ["Unknown."]})
            sessions = sessions.filter(status=status)
        paginator = PagePagination()
        page = paginator.paginate_queryset(sessions, request, self)
        return paginator.get_paginated_response(ConversationSerializer(page, many=True).data)


def _own_conversation(request: Request, session_id: Any) -> Conversation:
    # Someone else's conversation is indistinguishable from a missing one.
    return get_object_or_404(Conversation, pk=session_id, owner=request.user)


class SessionDetailView(APIView):
    def get_permissions(self) -> list:
        return [HasScope("ai:write" if self.request.method == "DELETE" else "ai:read")()]

    @extend_schema(responses={200: ConversationDetailSerializer})
    def get(self, request: Request, session_id: Any) -> Response:
        return Response(ConversationDetailSerializer(_own_conversation(request, session_id)).data)

    @extend_schema(responses={200: None})
    def delete(self, request: Request, session_id: Any) -> Response:
        _own_conversation(request, session_id).remove()  # its generations stay billed
        return Response(WithMessage(None, "Session deleted successfully"))
