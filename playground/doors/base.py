"""What the async doors (REST, event stream, OpenAI-compatible) share. They skip DRF: it is sync, and
the gateway's hot path stays on the event loop."""

from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.authentication import Caller, authenticate, require_scope
from config.api import hygiene
from config.api.exceptions import ApiError
from playground.generation import GenerationOutcome, Origin, Prepared, origin_of
from providers.base import Choice
from usage.admission import rate_headers
from usage.middleware import meters_itself

V = TypeVar("V")


def generation_post(view: V) -> V:
    """A door's POST view that calls models: it meters itself (usage.middleware), and is exempt from
    the site's CSRF middleware because accounts.authentication checks CSRF for session callers."""
    return meters_itself(csrf_exempt(require_POST(view)))  # type: ignore[return-value]


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The body, parsed by config.api.hygiene: invalid JSON, NUL characters, lone surrogates and deep
    nesting are a 400 naming where, before anything is admitted, reserved or charged."""
    try:
        raw = request.body or b"{}"
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise ApiError("VALIDATION_ERROR", f"The request body is larger than {limit} bytes.") from None
    try:
        data = hygiene.loads(raw)
    except hygiene.UnsafeJSON as exc:
        where = exc.path or "body"
        raise ApiError("VALIDATION_ERROR", str(exc), {where: [exc.message]}, param=exc.path or None) from None
    if not isinstance(data, dict):
        raise ApiError("VALIDATION_ERROR", "The request body must be a JSON object.")
    return data


def caller_origin(request: HttpRequest, caller: Caller, door: str) -> Origin:
    return origin_of(request, user=caller.user, door=door, api_key_id=caller.api_key_id)


async def generation_call(request: HttpRequest, door: str, *, keys_only: bool = False) -> tuple[Origin, dict[str, Any]]:
    """The caller of a request for a generation (authenticated, allowed to call models) and its body."""
    caller = await authenticate(request, keys_only=keys_only)
    require_scope(caller, "ai:write")
    return caller_origin(request, caller, door), json_body(request)


def usage_block(out: GenerationOutcome) -> dict[str, Any]:
    u = out.usage
    block: dict[str, Any] = {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
    }
    if u.cached_tokens:
        block["cached_tokens"] = u.cached_tokens
    if u.reasoning_tokens:
        block["reasoning_tokens"] = u.reasoning_tokens
    if u.estimated:
        block["estimated"] = True
    return block


def choice_json(index: int, choice: Choice) -> dict[str, Any]:
    """One choice in our envelope: the message as OpenAI shapes it (tool calls, content null when the
    answer only calls tools), its finish reason, its log probabilities."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": choice.content if choice.content or not choice.tool_calls else None,
    }
    if choice.tool_calls:
        message["tool_calls"] = [call.as_openai() for call in choice.tool_calls]
    if choice.refusal:
        message["refusal"] = choice.refusal
    finish = "tool_calls" if choice.tool_calls and choice.finish_reason in (None, "stop") else choice.finish_reason
    data: dict[str, Any] = {"index": index, "message": message, "finish_reason": finish}
    if choice.logprobs is not None:
        data["logprobs"] = {"content": [entry.as_openai() for entry in choice.logprobs]}
    return data


def metered(response: HttpResponseBase, *preps: Prepared) -> HttpResponseBase:
    """The admission's figures (X-RateLimit-*, the latest call's) and the gateway's own time (the
    slowest call's) on the response of one or more answers."""
    for name, value in rate_headers(preps[-1].admission).items():
        response[name] = value
    response["X-Gateway-Overhead-Ms"] = f"{max(prep.overhead_ms() for prep in preps):.2f}"
    return response
