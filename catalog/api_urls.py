"""Mounted at /api/ (see config/urls.py). Slugs contain "/", hence the `path` converter, last."""

from django.urls import path

from catalog import api

urlpatterns = [
    path("models", api.ModelListView.as_view(), name="catalog-api-models"),
    path("models/categories", api.CategoryListView.as_view(), name="catalog-api-categories"),
    path("models/trending", api.TrendingView.as_view(), name="catalog-api-trending"),
    path("models/<path:key>", api.ModelDetailView.as_view(), name="catalog-api-model"),
    path("v1/ai/models", api.AIModelsView.as_view(), name="ai-models"),
]
