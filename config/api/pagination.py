"""`?page=1&limit=20&sort=desc` → `{items, pagination}` (product spec).

Where the spec names a list's key (`GET /api/v1/webhooks` answers `data.webhooks`), the view says so
with `pagination_class = PagePagination.named("webhooks")` and pages with `self.pagination_class()`;
every other list keeps `items`. Setting `pagination_class` also puts the page shape and its query
parameters in the OpenAPI schema.
"""

import math
import re
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

MAX_LIMIT = 100
# Far beyond any real list, and small enough that (page - 1) * limit stays a modest OFFSET: a page
# number near 2**63 reached PostgreSQL as "bigint out of range" (a 500).
MAX_PAGE = 1_000_000
DEFAULT_LIST_KEY = "items"
# ASCII digits only: int() also takes " 1", "1_000" and other scripts' digits.
_DIGITS = re.compile(r"[0-9]{1,9}")


def _bounded_int(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    value = int(raw) if _DIGITS.fullmatch(raw) else 0
    if not 1 <= value <= maximum:
        raise ValidationError({name: [f"{name} must be a whole number between 1 and {maximum}."]})
    return value


def page_params(request: Request) -> tuple[int, int, str]:
    page = _bounded_int(request.query_params.get("page"), "page", 1, MAX_PAGE)
    limit = _bounded_int(request.query_params.get("limit"), "limit", 20, MAX_LIMIT)
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

    list_key = DEFAULT_LIST_KEY

    @classmethod
    def named(cls, list_key: str) -> type["PagePagination"]:
        """The same pagination with the page's rows under `list_key` instead of `items`."""
        return type(f"{list_key.title().replace('_', '')}PagePagination", (cls,), {"list_key": list_key})

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        self.page, self.limit, sort = page_params(request)
        field = getattr(view, "sort_field", "created_at")
        if isinstance(queryset, QuerySet) and field:
            queryset = queryset.order_by(field if sort == "asc" else f"-{field}", "-pk" if sort == "desc" else "pk")
        self.total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        start = (self.page - 1) * self.limit
        return list(queryset[start : start + self.limit])

    def get_paginated_response(self, data: list) -> Response:
        return Response({self.list_key: data, "pagination": pagination_block(self.page, self.limit, self.total)})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return paginated_schema(schema, self.list_key)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
            return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}

        return [
            param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number."),
            param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}, "Rows per page."),
            param("sort", {"type": "string", "enum": ["asc", "desc"], "default": "desc"}, "Oldest or newest first."),
        ]


def paginated_schema(schema: dict, list_key: str = DEFAULT_LIST_KEY) -> dict:
    """OpenAPI for one page: the list under its key, and the pagination block (config.api.schema)."""
    return {
        "type": "object",
        "required": [list_key, "pagination"],
        "properties": {list_key: schema, "pagination": {"$ref": "#/components/schemas/Pagination"}},
    }


@extend_schema_field({"$ref": "#/components/schemas/Pagination"})
class PaginationField(serializers.Field):
    """The pagination block, in the schema of a page a view builds itself."""


def page_serializer(name: str, items: serializers.BaseSerializer, list_key: str = DEFAULT_LIST_KEY) -> Any:
    """The schema of a page a view builds itself (`extend_schema(responses=page_serializer(...))`)."""
    return inline_serializer(name, fields={list_key: items, "pagination": PaginationField()})
