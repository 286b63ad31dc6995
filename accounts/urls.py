from django.urls import path

from accounts import profile_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("theme", views.set_theme, name="set-theme"),
    path("u/<str:username>", profile_views.public_profile, name="public-profile"),
    path("avatars/<str:name>", profile_views.avatar, name="avatar"),
    path("settings/profile", profile_views.profile_settings, name="profile-settings"),
]
