"""The image-generation door: `POST /v1/images/generations` in OpenAI's shape (API keys only) and
`POST /api/v1/ai/images` in the envelope, plus the signed links that serve the pictures.

Every picture is kept in media storage, owned by the caller; `url` answers are signed links that
expire (IMAGE_LINK_SECONDS), `b64_json` answers carry the bytes as well.
"""

import base64
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from config.api import openai
from config.api.envelope import envelope_response, error_response
from config.api.exceptions import ApiError
from config.money import money
from playground import image_store
from playground.doors.base import generation_call, generation_post, metered
from playground.generation.media import ImageOutcome, image_request, images_run
from providers.media import ImageRequest
from usage.models import Door


def _picture(request: HttpRequest, done: ImageOutcome, index: int, response_format: str | None) -> dict[str, Any]:
    image = done.images[index]
    item: dict[str, Any] = {}
    if response_format == "b64_json":
        item["b64_json"] = base64.b64encode(done.data[index]).decode("ascii")
    else:
        item["url"] = request.build_absolute_uri(image_store.link_path(image.pk))
    if image.revised_prompt:
        item["revised_prompt"] = image.revised_prompt
    return item


def _usage(done: ImageOutcome) -> dict[str, Any]:
    u = done.outcome.usage
    return {"input_tokens": u.prompt_tokens, "output_tokens": u.completion_tokens, "total_tokens": u.total_tokens}


def openai_images_json(request: HttpRequest, done: ImageOutcome, req: ImageRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "created": done.outcome.created,
        "data": [_picture(request, done, i, req.response_format) for i in range(len(done.images))],
    }
    first = done.images[0]
    if first.width:
        body["size"] = f"{first.width}x{first.height}"
    body["output_format"] = first.extension.replace("jpg", "jpeg")
    for name in ("quality", "background"):
        if getattr(req, name):
            body[name] = getattr(req, name)
    if done.outcome.usage.total_tokens:
        body["usage"] = _usage(done)
    return body


def rest_images_data(request: HttpRequest, done: ImageOutcome, req: ImageRequest) -> dict[str, Any]:
    images = []
    for i, image in enumerate(done.images):
        item = {"id": str(image.pk), "mime_type": image.mime_type, "width": image.width, "height": image.height}
        images.append(item | _picture(request, done, i, req.response_format))
    return {
        "id": f"img-{done.outcome.generation_id}",
        "model": done.outcome.model.slug,
        "images": images,
        "usage": {"images": len(images), **_usage(done)},
        "cost": money(done.outcome.cost),
        "created": done.outcome.created,
    }


@generation_post
async def openai_images(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.OPENAI, keys_only=True)
        req = image_request(body)
        done, prep = await images_run(origin, req, behind=True)
    except ApiError as exc:
        return openai.error_response(exc)
    return metered(JsonResponse(openai_images_json(request, done, req)), prep)


@generation_post
async def rest_images(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.REST)
        req = image_request(body)
        done, prep = await images_run(origin, req)
    except ApiError as exc:
        return error_response(exc)
    return metered(envelope_response(rest_images_data(request, done, req)), prep)


def picture_response(image: Any, *, download: bool) -> FileResponse:
    """One stored picture, with its own type; never sniffed as anything else."""
    name = f"{image.model_slug.replace('/', '-')}-{image.pk.hex[:8]}.{image.extension}"
    response = FileResponse(image.file.open("rb"), content_type=image.mime_type, as_attachment=download, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def image_file(request: HttpRequest, token: str) -> HttpResponse:
    """A picture behind a signed link: whoever holds an unexpired link may fetch it; anything else is 404."""
    image = image_store.image_for_token(token)
    if image is None:
        raise Http404("This link is invalid or has expired.")
    return picture_response(image, download=request.GET.get("download") == "1")
