"""Mounted at /api/ (see config/urls.py). Slugs contain "/", hence the `path` converter, last."""

from django.urls import path

from catalog import api

urlpatterns = [
    path("models", api.ModelListView.as_view(), name="catalog-api-models"),
    path("models/categories", api.CategoryListView.as_view(), name="catalog-api-categories"),
    path("models/trending", api.TrendingView.as_view(), name="catalog-api-trending"),
    path("models/<path:key>", api.ModelDetailView.as_view(), name="catalog-api-model"),
    path("v1/ai/models", api.AIModelsView.as_view(), name="ai-models"),
    path("users/favorites", api.FavoriteListView.as_view(), name="api-users-favorites"),
    path("users/favorites/<path:key>", api.FavoriteDetailView.as_view(), name="api-users-favorite"),
]
