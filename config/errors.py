"""Error pages: JSON envelopes under /api/, OpenAI's error shape under /v1/, HTML elsewhere."""

import logging
import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from config.api import openai
from config.api.envelope import error_body
from config.api.exceptions import ApiError, outage

logger = logging.getLogger(__name__)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("NOT_FOUND", f"No endpoint at {request.path}."), status=404)
    if request.path.startswith("/v1/"):
        return openai.error_response(ApiError("NOT_FOUND", f"Unknown endpoint {request.path}."), code="unknown_url")
    return render(request, "errors/404.html", status=404)


def unavailable(request: HttpRequest, error: ApiError) -> HttpResponse:
    """503 with Retry-After in the shape of where the request went: a door that needs Redis while it
    is down (the pages that do not need it keep working)."""
    if request.path.startswith("/v1/"):
        return openai.error_response(error)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(error.code, error.message, error.details), status=503)
    else:
        # Rendered without the request: its context processors may need Redis too.
        context = {"retry_after": error.headers["Retry-After"]}
        if request.headers.get("HX-Request"):
            # A button on a page (Send in the playground): the page stays, and says why nothing happened.
            response = HttpResponse(render_to_string("errors/_unavailable.html", context), status=503)
            response["HX-Retarget"], response["HX-Reswap"] = "#request-errors", "innerHTML"
        else:
            response = HttpResponse(render_to_string("errors/503.html", context), status=503)
    for name, value in error.headers.items():
        response[name] = value
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block (in a thread, with the exception re-raised there),
    # so the error that got here is at hand.
    if (error := outage(sys.exc_info()[1])) is not None:
        logger.warning("%s refused while Redis is unreachable", request.path)
        return unavailable(request, error)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("SERVER_ERROR", "Something went wrong on our side."), status=500)
    if request.path.startswith("/v1/"):
        return openai.error_response(ApiError("SERVER_ERROR", "Something went wrong on our side."))
    return render(request, "errors/500.html", status=500)
