from django.urls import path

from usage import views

app_name = "usage"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/keys/", views.api_keys, name="api-keys"),
    path("settings/keys/<int:pk>/revoke", views.api_key_revoke_view, name="api-key-revoke"),
    path("settings/provider-keys/<int:provider_id>/delete", views.provider_key_delete, name="provider-key-delete"),
    path("settings/export", views.export_account, name="export"),
    path("settings/delete", views.delete_account, name="delete-account"),
]
