"""`GET /health`: does each backing service answer? 503 names the one that does not."""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _check_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    services: dict[str, dict] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure means "down"; the message tells which and why
            services[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            services[name] = {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    down = [name for name, s in services.items() if s["status"] != "up"]
    body = {
        "status": "ok" if not down else "unavailable",
        "services": services,
        "version": settings.SPECTACULAR_SETTINGS["VERSION"],
    }
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)
