"""A door that exists for a test only, written as README's "How to add a door" says: this file and
its URL (echo_urls.py), nothing else. `POST /api/v1/echo {"model", "say"}` -> `{"said", "cost"}`.

Everything else a door needs comes with what it calls: who is calling (accounts.authentication,
through `generation_call`), admission, metering and the rate headers (`@generation_post`,
usage.admission), the ledger row and moderation (the generation path).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse

from config.api.envelope import error_response
from config.api.exceptions import ApiError
from config.money import money
from playground.doors.base import generation_call, generation_post, metered
from playground.generation import generation_run
from playground.generation.inputs import rest_input
from usage.models import Door


@generation_post
async def echo(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.REST)
        say = [{"role": "user", "content": str(body.get("say") or "")}]
        out, prep = await generation_run(rest_input(origin, {"model": body.get("model")}, say))
    except ApiError as exc:
        return error_response(exc)
    return metered(JsonResponse({"said": out.content, "cost": money(out.cost)}), prep)
