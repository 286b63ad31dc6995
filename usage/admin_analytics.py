"""The admin analytics page at /admin/analytics/, linked from the admin's home page: every staff member
(moderators and administrators) may read it, through the admin's own login check."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from usage.analytics import analytics_data


def analytics_view(request: HttpRequest) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": "Analytics", "data": analytics_data()}
    return TemplateResponse(request, "admin/analytics.html", context)
