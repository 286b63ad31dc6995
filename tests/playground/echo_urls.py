"""The site's URLs and the test-only door's one line (see echo_door.py)."""

from django.urls import path

from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site
from tests.playground import echo_door

urlpatterns = [path("api/v1/echo", echo_door.echo, name="echo"), *site]
