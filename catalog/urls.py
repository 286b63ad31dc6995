from django.urls import path

from catalog import views

app_name = "catalog"

# Mounted at /models/. Slugs contain "/" ("openrouter/anthropic/claude-sonnet-4.5"), so the
# favorite route comes first and the detail route takes the rest of the path.
urlpatterns = [
    path("", views.discover, name="discover"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorite/<path:slug>", views.favorite_toggle, name="favorite-toggle"),
    path("<path:slug>/", views.detail, name="detail"),
]
