"""`/api/users/history` (JSON pages, or `history.csv` for all of it) and `/api/users/stats`: the AI Pasta
plan's user API over the ledger. Like the account pages, they serve the signed-in user (a session or
a JWT) and nobody else; an API key, made for calling models, may not read the account's history.
"""

from datetime import date
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.users_api import SignedInNotByKey
from catalog.models import Favorite
from config.api.exceptions import ApiError
from config.api.pagination import PagePagination
from config.money import MoneyField
from usage.ledger.export import generations_csv, last_prompt
from usage.models import Generation
from usage.selectors import MAX_RANGE_DAYS, quota_block, usage_summary

HISTORY_FIELDS = ("id", "model_slug", "status", "input_messages", "content", "total_tokens", "cost", "created_at")


class HistoryItemSerializer(serializers.ModelSerializer):
    """One generation as the plan names it (`modelName`, `prompt`, `output`, `createdAt`)."""

    modelName = serializers.CharField(source="model_slug")  # the plan's field names
    prompt = serializers.SerializerMethodField()
    output = serializers.CharField(source="content")
    tokens = serializers.IntegerField(source="total_tokens")
    cost = MoneyField(allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Generation
        fields = ["id", "modelName", "prompt", "output", "status", "tokens", "cost", "createdAt"]

    def get_prompt(self, generation: Generation) -> str:
        return last_prompt(generation.input_messages)


def _day(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        message = f"{name} must be an ISO date (YYYY-MM-DD)."
        raise ApiError("VALIDATION_ERROR", message, {name: ["Invalid date."]}) from None


def history_rows(request: Request) -> Any:
    """The caller's generations, filtered by `model`, `start_date` and `end_date` (index: user, created_at)."""
    rows = Generation.objects.filter(user=request.user).only(*HISTORY_FIELDS)
    if model := request.query_params.get("model"):
        rows = rows.filter(model_slug=model)
    if start := _day(request, "start_date"):
        rows = rows.filter(created_at__date__gte=start)
    if end := _day(request, "end_date"):
        rows = rows.filter(created_at__date__lte=end)
    return rows


class HistoryView(APIView):
    permission_classes = [IsAuthenticated, SignedInNotByKey]
    pagination_class = PagePagination

    @extend_schema(responses={200: HistoryItemSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(history_rows(request), request, self)
        return paginator.get_paginated_response(HistoryItemSerializer(page, many=True).data)


class HistoryCsvView(APIView):
    """All of the caller's history (same filters as the JSON list) as CSV, newest first, streamed."""

    permission_classes = [IsAuthenticated, SignedInNotByKey]

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="One row per generation.")})
    def get(self, request: Request) -> StreamingHttpResponse:
        rows = history_rows(request).order_by("-created_at", "-pk")
        return generations_csv(rows, filename="switchboard-history.csv")


class StatsView(APIView):
    """The dashboard's figures: usage over a period (default the last 30 days), quotas, favourites."""

    permission_classes = [IsAuthenticated, SignedInNotByKey]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        start, end = _day(request, "start_date"), _day(request, "end_date")
        if start and end and (end < start or (end - start).days >= MAX_RANGE_DAYS):
            message = f"end_date must be on or after start_date, at most {MAX_RANGE_DAYS} days apart."
            raise ApiError("VALIDATION_ERROR", message, {"end_date": ["Out of range."]})
        summary = usage_summary(user=request.user, start=start, end=end, model=None)
        usage = {
            "totalGenerations": summary["total_requests"],
            "tokensUsed": summary["total_tokens"],
            "totalCost": summary["total_cost"],
            **summary,
        }
        favorites = Favorite.objects.filter(user=request.user).count()
        return Response({"usage": usage, "quota": quota_block(request.user), "favorites": favorites})
