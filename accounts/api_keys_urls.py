from django.urls import path

from accounts import api_keys_api

urlpatterns = [
    path("api-keys", api_keys_api.ApiKeyListView.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>", api_keys_api.ApiKeyDetailView.as_view(), name="api-key-detail"),
    path("api-keys/<int:key_id>/rotate", api_keys_api.ApiKeyRotateView.as_view(), name="api-key-rotate"),
]
