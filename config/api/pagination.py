"""`?page=1&limit=20&sort=desc` → `{items, pagination}` (product spec), and `?cursor=...` for deep lists.

A page number costs an OFFSET (and a count): at page 5000 PostgreSQL walks 100,000 rows to skip
them. `?cursor=` (empty: from the start) pages by position instead: each page carries `next_cursor`,
the position after its last row, and `?cursor=<it>` answers the rows after it straight from the index
(keyset pagination on the sort field and the primary key), without a count, as fast at the millionth
row as at the first.

Where the spec names a list's key (`GET /api/v1/webhooks` answers `data.webhooks`), the view says so
with `pagination_class = PagePagination.named("webhooks")` and pages with `self.pagination_class()`;
every other list keeps `items`. Setting `pagination_class` also puts the page shape and its query
parameters in the OpenAPI schema.
"""

import base64
import binascii
import json
import math
import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
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
        self.field = getattr(view, "sort_field", "created_at")
        self.cursor = request.query_params.get("cursor")
        if isinstance(queryset, QuerySet) and self.field:
            desc = sort == "desc"
            queryset = queryset.order_by(f"-{self.field}" if desc else self.field, "-pk" if desc else "pk")
            if self.cursor is not None:
                return self._after_cursor(queryset, desc)
        self.cursor = None
        counted = getattr(view, "count_rows", None)
        total = counted(queryset) if counted else None
        self.total = (
            total if total is not None else queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        )
        start = (self.page - 1) * self.limit
        self.rows = list(queryset[start : start + self.limit])
        self.has_next = start + len(self.rows) < self.total
        return self.rows

    def _after_cursor(self, queryset: QuerySet, desc: bool) -> list:
        if self.cursor:
            value, pk = _typed(queryset, self.field, *decode_cursor(self.cursor))
            before, bound = ("lt", "lte") if desc else ("gt", "gte")
            # The plain bound on the sort field lets the index start at the cursor; the OR alone
            # would make PostgreSQL walk the caller's rows from the top and filter.
            queryset = queryset.filter(**{f"{self.field}__{bound}": value}).filter(
                Q(**{f"{self.field}__{before}": value}) | Q(**{self.field: value, f"pk__{before}": pk})
            )
        rows = list(queryset[: self.limit + 1])
        self.rows, self.has_next = rows[: self.limit], len(rows) > self.limit
        return self.rows

    def _next_cursor(self) -> str | None:
        if not self.has_next or not self.rows or not self.field:
            return None
        last = self.rows[-1]
        return encode_cursor(getattr(last, self.field), last.pk)

    def get_paginated_response(self, data: list) -> Response:
        if self.cursor is None:
            return Response({self.list_key: data, "pagination": pagination_block(self.page, self.limit, self.total)})
        block = {
            "limit": self.limit,
            "cursor": self.cursor,
            "has_next": self.has_next,
            "next_cursor": self._next_cursor(),
        }
        return Response({self.list_key: data, "pagination": block})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return paginated_schema(schema, self.list_key)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
            return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}

        return [
            param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number."),
            param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}, "Rows per page."),
            param("sort", {"type": "string", "enum": ["asc", "desc"], "default": "desc"}, "Oldest or newest first."),
            param("cursor", {"type": "string"}, "Page by position: empty for the first page, then `next_cursor`."),
        ]


def encode_cursor(value: Any, pk: Any) -> str:
    """An opaque position: the sort field's value and the primary key of a page's last row."""
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, str(pk), isinstance(value, datetime)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        value, pk, is_time = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(pk, str) or not isinstance(value, str | int | float):
            raise ValueError
        return (datetime.fromisoformat(value) if is_time else value), pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": ["cursor must be a next_cursor this API gave."]}) from None


def _typed(queryset: QuerySet, field: str, value: Any, pk: str) -> tuple[Any, Any]:
    """The cursor's parts as the columns' own types; a forged cursor is a VALIDATION_ERROR, not a 500."""
    meta = queryset.model._meta
    try:
        typed = meta.get_field(field).to_python(value), meta.pk.to_python(pk)
    except DjangoValidationError:
        typed = (None, None)
    if None in typed:
        raise ValidationError({"cursor": ["cursor must be a next_cursor this API gave."]})
    return typed


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
