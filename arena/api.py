"""The arena's REST API: the leaderboard in the envelope, and its export as CSV or JSON."""

import csv
import io
import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import HasScope
from arena.selectors import categories, leaderboard
from config.api.exceptions import ApiError
from config.api.fields import QuerySerializer

CSV_COLUMNS = [
    "rank", "model", "name", "rating", "ci_lower", "ci_upper", "votes", "wins", "win_rate", "flagged_votes",
    "median_cost", "median_duration_ms",
]  # fmt: skip


class LeaderboardParams(QuerySerializer):
    category = serializers.ChoiceField(choices=[c for c, _ in categories()], default="all")
    mine = serializers.BooleanField(default=False, help_text="Only the caller's own votes.")
    exclude_flagged = serializers.BooleanField(
        default=False, help_text="Leave out battles whose answers differed very much in length."
    )


def _board(request: Request) -> dict[str, Any]:
    params = LeaderboardParams(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    return leaderboard(
        user_id=request.user.pk if data["mine"] else None,
        category=data["category"],
        exclude_flagged=data["exclude_flagged"],
    )


class LeaderboardView(APIView):
    """GET /api/v1/arena/leaderboard: Bradley-Terry ratings from blind votes, with 95% intervals."""

    permission_classes = [HasScope("ai:read")]

    @extend_schema(tags=["arena"], parameters=[LeaderboardParams], responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(_board(request))


def _csv(board: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in board["models"]:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS})
    return out.getvalue()


class LeaderboardExportView(APIView):
    """GET /api/v1/arena/leaderboard/export.{csv,json}: the same board as a file to download."""

    permission_classes = [HasScope("ai:read")]

    @extend_schema(tags=["arena"], parameters=[LeaderboardParams], responses={200: bytes})
    def get(self, request: Request, fmt: str) -> HttpResponse:
        if fmt not in ("csv", "json"):
            raise ApiError("NOT_FOUND", "Export as csv or json.")
        board = _board(request)
        name = f"arena-leaderboard-{board['scope']}-{board['category']}"
        if fmt == "csv":
            response = HttpResponse(_csv(board), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(json.dumps(board, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response
