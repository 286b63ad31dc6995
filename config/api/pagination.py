"""`?page=1&limit=20&sort=desc` → `{items, pagination}` (product spec)."""

import math
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

MAX_LIMIT = 100


def _positive_int(raw: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [f"{name} must be a positive integer."]}) from None
    if value < 1 or (maximum is not None and value > maximum):
        bound = f" between 1 and {maximum}" if maximum else " of at least 1"
        raise ValidationError({name: [f"{name} must be an integer{bound}."]})
    return value


def page_params(request: Request) -> tuple[int, int, str]:
    page = _positive_int(request.query_params.get("page"), "page", 1)
    limit = _positive_int(request.query_params.get("limit"), "limit", 20, MAX_LIMIT)
    sort = request.query_params.get("sort", "desc").lower()
    if sort not in ("asc", "desc"):
        raise ValidationError({"sort": ["sort must be 'asc' or 'desc'."]})
    return page, limit, sort


def pagination_block(page: int, limit: int, total: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / limit)) if total else 0
    return {
        "page": page,
        "limit": limit,
        "total": total,
        "pages": pages,
        "has_next": page < pages,
        "has_prev": page > 1,
    }


class PagePagination(BasePagination):
    """Page/limit pagination; `sort` orders by the view's `sort_field` (default `created_at`)."""

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        self.page, self.limit, sort = page_params(request)
        field = getattr(view, "sort_field", "created_at")
        if isinstance(queryset, QuerySet) and field:
            queryset = queryset.order_by(field if sort == "asc" else f"-{field}", "-pk" if sort == "desc" else "pk")
        self.total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        start = (self.page - 1) * self.limit
        return list(queryset[start : start + self.limit])

    def get_paginated_response(self, data: list) -> Response:
        return Response({"items": data, "pagination": pagination_block(self.page, self.limit, self.total)})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "items": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer" if k in ("page", "limit", "total", "pages") else "boolean"}
                        for k in ("page", "limit", "total", "pages", "has_next", "has_prev")
                    },
                },
            },
        }
