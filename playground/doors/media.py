"""`GET /api/v1/media/<sha256>`: an image its owner sent in a chat message (playground.media), as the
ledger references it. Anyone else gets 404, as for an image that does not exist."""

from asgiref.sync import sync_to_async
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.authentication import authenticate, require_scope
from config.api.envelope import error_response
from config.api.exceptions import ApiError
from playground.media import image_for


def _open(user: object, sha: str) -> FileResponse | None:
    image = image_for(user, sha)
    if image is None:
        return None
    response = FileResponse(image.file.open("rb"), content_type=image.media_type)
    response["Cache-Control"] = "private, max-age=86400, immutable"  # named by its content
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
async def image(request: HttpRequest, sha: str) -> HttpResponse:
    try:
        caller = await authenticate(request)
        require_scope(caller, "ai:read")
        response = await sync_to_async(_open)(caller.user, sha)
        if response is None:
            raise ApiError("NOT_FOUND", "No such image.")
    except ApiError as exc:
        return error_response(exc)
    return response
