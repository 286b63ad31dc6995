from django.urls import path

from playground import chat_views, views

app_name = "playground"

urlpatterns = [
    path("playground/", views.index, name="index"),
    path("playground/c/<uuid:pk>/", views.conversation_detail, name="conversation"),
    path("playground/send", chat_views.send, name="send"),
    path("playground/turns/<str:token>/stream", chat_views.stream, name="stream"),
    path("playground/turns/<str:token>/stop", chat_views.stop, name="stop"),
    path("playground/generations/<uuid:pk>/render", views.render_generation, name="render"),
    path("playground/highlight.css", views.highlight_stylesheet, name="highlight-css"),
    path("playground/history/", views.history, name="history"),
    path("playground/c/<uuid:pk>/rename", views.rename, name="rename"),
    path("playground/c/<uuid:pk>/delete", views.delete, name="delete"),
    path("playground/c/<uuid:pk>/share", views.share, name="share"),
    path("playground/c/<uuid:pk>/export.<str:fmt>", views.export, name="export"),
    path("playground/code", views.view_code, name="code"),
    path("playground/presets/save", views.preset_save, name="preset-save"),
    path("playground/presets/apply", views.preset_apply, name="preset-apply"),
    path("playground/presets/<int:pk>/delete", views.preset_delete, name="preset-delete"),
    path("s/<str:share_id>/", views.shared, name="shared"),
]
