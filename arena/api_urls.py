"""Mounted at /api/v1/arena/ (see config/urls.py)."""

from django.urls import path

from arena import api

urlpatterns = [
    path("leaderboard", api.LeaderboardView.as_view(), name="arena-api-leaderboard"),
    path("leaderboard/export.<str:fmt>", api.LeaderboardExportView.as_view(), name="arena-api-leaderboard-export"),
]
