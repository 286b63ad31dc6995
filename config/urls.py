from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from config import errors
from config.health import health
from usage.admin_analytics import analytics_urls
from usage.settings_api import PublicSettingsView

REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}

urlpatterns = [
    path("health", health, name="health"),
    *analytics_urls(),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's settings as a script file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc's styling library writes <style> elements and its search runs in a blob: worker.
    path("api/redoc/", csp_update(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    path("api/auth/", include("accounts.api_urls")),
    path("api/users/", include("accounts.users_api_urls")),
    path("api/v1/settings/public", PublicSettingsView.as_view(), name="settings-public"),
    path("", include("accounts.urls")),
]
urlpatterns.append(path("", include("playground.urls")))
urlpatterns.append(path("", include("usage.urls")))
urlpatterns.append(path("api/v1/", include("accounts.api_keys_urls")))
urlpatterns.append(path("api/v1/", include("playground.api_urls")))
urlpatterns.append(path("v1/", include("playground.openai_urls")))
urlpatterns.append(path("api/v1/", include("webhooks.api_urls")))
urlpatterns.append(path("settings/webhooks/", include("webhooks.urls")))
urlpatterns.append(path("api/", include("catalog.api_urls")))
urlpatterns.append(path("models/", include("catalog.urls")))
urlpatterns.append(path("api/v1/", include("playground.jobs_urls")))
import playground.video_urls  # noqa: E402, F401, I001  (the Video tab joins the playground namespace)


handler404 = errors.not_found
handler500 = errors.server_error

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
