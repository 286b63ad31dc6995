"""The playground's pages (the `playground` namespace): chat and compare, history, sharing, images,
embeddings, video."""

from django.urls import path

from playground.pages import chat, conversations, embeddings, images, provider_keys, video

app_name = "playground"

urlpatterns = [
    path("playground/", conversations.index, name="index"),
    path("playground/c/<uuid:pk>/", conversations.conversation_detail, name="conversation"),
    path("playground/send", chat.send, name="send"),
    path("playground/turns/<str:token>/stream", chat.stream, name="stream"),
    path("playground/turns/<str:token>/stop", chat.stop, name="stop"),
    path("playground/generations/<uuid:pk>/tool-result", chat.tool_result, name="tool-result"),
    path("playground/chat-images/<str:sha>", chat.chat_image, name="chat-image-page"),
    path("playground/generations/<uuid:pk>/render", conversations.render_generation, name="render"),
    path("playground/highlight.css", conversations.highlight_stylesheet, name="highlight-css"),
    path("playground/history/", conversations.history, name="history"),
    path("playground/c/<uuid:pk>/rename", conversations.rename, name="rename"),
    path("playground/c/<uuid:pk>/delete", conversations.delete, name="delete"),
    path("playground/c/<uuid:pk>/branch", conversations.branch, name="branch"),
    path("playground/c/<uuid:pk>/share", conversations.share, name="share"),
    path("playground/c/<uuid:pk>/export.<str:fmt>", conversations.export, name="export"),
    path("playground/code", chat.view_code, name="code"),
    path("playground/presets/save", chat.preset_save, name="preset-save"),
    path("playground/presets/apply", chat.preset_apply, name="preset-apply"),
    path("playground/presets/<int:pk>/delete", chat.preset_delete, name="preset-delete"),
    path("playground/video/", video.video, name="video"),
    path("playground/video/submit", video.video_submit, name="video-submit"),
    path("playground/video/<uuid:pk>/progress", video.video_progress, name="video-progress"),
    path("playground/video/<uuid:pk>/cancel", video.video_cancel, name="video-cancel"),
    path("playground/video/<uuid:pk>/clip.mp4", video.video_file, name="video-file"),
    path("playground/images", images.images, name="images"),
    path("playground/images/compare", images.images_compare, name="images-compare"),
    path("playground/images/<uuid:pk>/file", images.image_file, name="image-file"),
    path("playground/embeddings", embeddings.embeddings, name="embeddings"),
    path("playground/embeddings/compare", embeddings.embeddings_compare, name="embeddings-compare"),
    path("s/<str:share_id>/", conversations.shared, name="shared"),
    path(
        "settings/provider-keys/<int:provider_id>/delete", provider_keys.provider_key_delete, name="provider-key-delete"
    ),
]
