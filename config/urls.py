"""Every route of the site, in one list: each app's URL module is included here and nowhere else."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from config import errors
from config.api.schema import SchemaView
from config.health import health
from usage.admin_analytics import analytics_view
from usage.admin_reconcile import reconcile_view
from usage.settings_api import PublicSettingsView

REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}

urlpatterns = [
    path("health", health, name="health"),
    # Before admin.site.urls, so the admin's catch-all does not answer first.
    path("admin/analytics/", admin.site.admin_view(analytics_view), name="admin-analytics"),
    path("admin/reconcile/", admin.site.admin_view(reconcile_view), name="admin-reconcile"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's settings as a script file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc's styling library writes <style> elements and its search runs in a blob: worker.
    path("api/redoc/", csp_update(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    path("api/auth/", include("accounts.api_urls")),
    path("api/users/", include("accounts.users_api_urls")),
    path("api/users/", include("usage.users_api_urls")),
    path("api/v1/settings/public", PublicSettingsView.as_view(), name="settings-public"),
    path("api/v1/", include("accounts.api_keys_urls")),
    path("api/v1/", include("webhooks.api_urls")),
    path("api/v1/arena/", include("arena.api_urls")),
    path("api/", include("catalog.api_urls")),
    path("", include("playground.doors.urls")),  # /api/v1/ai/..., /api/v1/usage, /api/v1/sessions, /v1/...
    path("", include("accounts.urls")),
    path("", include("playground.urls")),
    path("", include("arena.urls")),
    path("", include("usage.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("models/", include("catalog.urls")),
]

handler404 = errors.not_found
handler500 = errors.server_error

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
