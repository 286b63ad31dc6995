from django.urls import path

from accounts import profile_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("theme", views.set_theme, name="set-theme"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/keys/", views.api_keys, name="api-keys"),
    path("settings/keys/<int:pk>/revoke", views.api_key_revoke_view, name="api-key-revoke"),
    path("settings/export", views.export_account, name="export"),
    path("settings/export/<uuid:pk>", views.export_status, name="export-status"),
    path("settings/export/<uuid:pk>/download", views.export_download, name="export-download"),
    path("settings/delete", views.delete_account, name="delete-account"),
    path("u/<str:username>", profile_views.public_profile, name="public-profile"),
    path("avatars/<str:name>", profile_views.avatar, name="avatar"),
    path("settings/profile", profile_views.profile_settings, name="profile-settings"),
]
