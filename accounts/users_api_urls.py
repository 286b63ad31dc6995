from django.urls import path

from accounts import users_api

urlpatterns = [
    path("profile", users_api.UserProfileView.as_view(), name="api-users-profile"),
    path("settings", users_api.UserSettingsView.as_view(), name="api-users-settings"),
]
