"""The admin reconciliation page at /admin/reconcile/ (staff only, through the admin's own login check)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from usage.reconcile import reconcile

MAX_DAYS = 31


def reconcile_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("usage.view_generation"):  # per-user spend: not every staff member's business
        raise PermissionDenied
    try:
        days = max(1, min(MAX_DAYS, int(request.GET.get("days", 7))))
    except ValueError:
        days = 7
    today = timezone.localdate()
    lines = reconcile(first=today - timedelta(days=days - 1), last=today)
    context = {
        **admin.site.each_context(request),
        "title": "Usage reconciliation",
        "days": days,
        "lines": lines,
        "flagged": sum(1 for line in lines if line.differences),
    }
    return TemplateResponse(request, "admin/reconcile.html", context)
