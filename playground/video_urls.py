"""The Video tab's URLs, in the `playground` namespace.

Django keeps one resolver per namespace (the first include wins), so a second include named
`playground` could not be reversed. These patterns join playground.urls' own list instead, when
config/urls.py imports this module.
"""

from django.urls import path

from playground import urls as playground_urls
from playground import video_views

app_name = "playground"

urlpatterns = [
    path("playground/video/", video_views.video, name="video"),
    path("playground/video/submit", video_views.video_submit, name="video-submit"),
    path("playground/video/<uuid:pk>/progress", video_views.video_progress, name="video-progress"),
    path("playground/video/<uuid:pk>/cancel", video_views.video_cancel, name="video-cancel"),
    path("playground/video/<uuid:pk>/clip.mp4", video_views.video_file, name="video-file"),
]

_names = {p.name for p in playground_urls.urlpatterns}
playground_urls.urlpatterns.extend(p for p in urlpatterns if p.name not in _names)
