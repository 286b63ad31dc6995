from django.urls import path

from accounts import api

urlpatterns = [
    path("register", api.RegisterView.as_view(), name="api-register"),
    path("login", api.LoginView.as_view(), name="api-login"),
    path("me", api.MeView.as_view(), name="api-me"),
    path("profile", api.ProfileView.as_view(), name="api-profile"),
    path("password", api.PasswordView.as_view(), name="api-password"),
    path("logout", api.LogoutView.as_view(), name="api-logout"),
    path("refresh", api.RefreshView.as_view(), name="api-refresh"),
    path("export", api.AccountExportView.as_view(), name="api-account-export"),
    path("export/<uuid:pk>/download", api.AccountExportDownloadView.as_view(), name="api-account-export-download"),
    path("account", api.AccountView.as_view(), name="api-account"),
]
