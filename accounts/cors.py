"""Cross-origin access to the API (django-cors-headers), inert until origins are configured."""

import functools
from typing import Any

from corsheaders.conf import conf
from corsheaders.middleware import CorsMiddleware as BaseCorsMiddleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest


@functools.cache
def _configured() -> bool:
    """Whether any origin is allowed. Read once: settings do not change while the process runs (tests
    that change them clear this through setting_changed), and reading the three settings costs a few
    microseconds on every `/v1` call."""
    return bool(conf.CORS_ALLOWED_ORIGINS or conf.CORS_ALLOWED_ORIGIN_REGEXES or conf.CORS_ALLOW_ALL_ORIGINS)


@receiver(setting_changed)
def _forget_configured(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CORS_"):
        _configured.cache_clear()


class CorsMiddleware(BaseCorsMiddleware):
    """With no allowed origin, answers no preflight and adds no `Vary: Origin`: a response that cannot
    vary by origin should not tell shared caches that it does (the /v1 door stays as it was)."""

    def is_enabled(self, request: HttpRequest) -> bool:
        return _configured() and super().is_enabled(request)
