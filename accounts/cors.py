"""Cross-origin access to the API (django-cors-headers), inert until origins are configured."""

from corsheaders.conf import conf
from corsheaders.middleware import CorsMiddleware as BaseCorsMiddleware
from django.http import HttpRequest


class CorsMiddleware(BaseCorsMiddleware):
    """With no allowed origin, answers no preflight and adds no `Vary: Origin`: a response that cannot
    vary by origin should not tell shared caches that it does (the /v1 door stays as it was)."""

    def is_enabled(self, request: HttpRequest) -> bool:
        configured = conf.CORS_ALLOWED_ORIGINS or conf.CORS_ALLOWED_ORIGIN_REGEXES or conf.CORS_ALLOW_ALL_ORIGINS
        return bool(configured) and super().is_enabled(request)
