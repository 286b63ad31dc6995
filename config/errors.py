"""Error pages: JSON envelopes under /api/, OpenAI's error shape under /v1/, HTML elsewhere."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.api.envelope import error_body


def openai_error(
    message: str, status: int, type_: str, code: str | None = None, param: str | None = None
) -> JsonResponse:
    return JsonResponse({"error": {"message": message, "type": type_, "param": param, "code": code}}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("NOT_FOUND", f"No endpoint at {request.path}."), status=404)
    if request.path.startswith("/v1/"):
        return openai_error(f"Unknown endpoint {request.path}.", 404, "invalid_request_error", "unknown_url")
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("SERVER_ERROR", "Something went wrong on our side."), status=500)
    if request.path.startswith("/v1/"):
        return openai_error("Something went wrong on our side.", 500, "server_error")
    return render(request, "errors/500.html", status=500)
