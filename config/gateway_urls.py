"""The URL conf of gateway requests (config.gateway_handler): the `/v1/` routes first, so a call
resolves in a few matches instead of walking the whole site's list (about 17 µs a call); the site's
list follows, so reverse() still finds every name from inside a gateway view."""

from importlib import import_module

from django.conf import settings
from django.urls import include, path

from playground.doors.urls import urlpatterns as door_patterns

urlpatterns = [
    *(route for route in door_patterns if str(route.pattern).startswith("v1/")),
    path("", include(settings.ROOT_URLCONF)),
]

# Error pages are looked up on the request's URL conf: take the site's, so /v1 errors keep their shape.
_site = import_module(settings.ROOT_URLCONF)
handler400 = getattr(_site, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(_site, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(_site, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(_site, "handler500", "django.views.defaults.server_error")
