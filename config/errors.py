"""Error pages: JSON envelopes under /api/, OpenAI's error shape under /v1/, HTML elsewhere."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.api import openai
from config.api.envelope import error_body
from config.api.exceptions import ApiError


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("NOT_FOUND", f"No endpoint at {request.path}."), status=404)
    if request.path.startswith("/v1/"):
        return openai.error_response(ApiError("NOT_FOUND", f"Unknown endpoint {request.path}."), code="unknown_url")
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("SERVER_ERROR", "Something went wrong on our side."), status=500)
    if request.path.startswith("/v1/"):
        return openai.error_response(ApiError("SERVER_ERROR", "Something went wrong on our side."))
    return render(request, "errors/500.html", status=500)
