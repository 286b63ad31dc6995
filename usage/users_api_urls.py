"""Mounted at /api/users/ beside accounts.users_api_urls (see config/urls.py)."""

from django.urls import path

from usage import users_api

urlpatterns = [
    path("history", users_api.HistoryView.as_view(), name="api-users-history"),
    path("history.csv", users_api.HistoryCsvView.as_view(), name="api-users-history-csv"),
    path("stats", users_api.StatsView.as_view(), name="api-users-stats"),
]
