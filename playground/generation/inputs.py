"""One builder per wire format, from what a door received to the one GenerationInput.

Each door parses its own body (JSON, a form, a stored turn) and hands the parts here; what the
fields are called and which of them a format may set is decided in this module only.
"""

from dataclasses import dataclass
from typing import Any

from config.api.exceptions import ApiError
from playground.generation.params import PARAMETERS, REST_DEFAULTS, GenerationInput


@dataclass(frozen=True)
class Origin:
    """Who is calling, through which door, from where: what the ledger row says about the caller."""

    user: Any
    door: str
    api_key_id: int | None = None
    ip: str | None = None
    user_agent: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "door": self.door,
            "api_key_id": self.api_key_id,
            "ip": self.ip,
            "user_agent": self.user_agent[:300],
        }


def _parameters(source: dict[str, Any]) -> dict[str, Any]:
    return {name: source[name] for name in PARAMETERS if source.get(name) is not None}


def flag(body: dict[str, Any], name: str) -> bool:
    """A true/false field (`stream`, `cache`): left out is false; anything but a boolean is refused
    rather than read as false."""
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(
            "VALIDATION_ERROR", f"{name} must be true or false.", {name: ["Must be true or false."]}, param=name
        )
    return value


def _rest_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise ApiError("VALIDATION_ERROR", "model must be a string.", {"model": ["Must be a string."]}, param="model")
    return model or ""


def rest_input(origin: Origin, body: dict[str, Any], messages: Any) -> GenerationInput:
    """Our REST format (`/api/v1/ai/chat`, `/generate`, `/stream`): without a model, the user's default;
    without max_tokens, temperature or top_p, the product spec's defaults (REST_DEFAULTS)."""
    return GenerationInput(
        model=_rest_model(body), messages=messages, params=_parameters(body), defaults=REST_DEFAULTS,
        cache=flag(body, "cache"), **origin.fields(),
    )  # fmt: skip


def openai_input(origin: Origin, body: dict[str, Any], messages: Any) -> GenerationInput:
    """OpenAI's chat and completions bodies: `model` is required, `max_completion_tokens` is the newer
    name of `max_tokens`, and one choice (`n`) is all we answer with."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError("VALIDATION_ERROR", "you must provide a model parameter", param="model")
    if body.get("n", 1) not in (None, 1):
        raise ApiError("VALIDATION_ERROR", "Only n=1 is supported.", param="n")
    params = _parameters(body)
    if body.get("max_completion_tokens") is not None:
        params["max_tokens"] = body["max_completion_tokens"]
    return GenerationInput(
        model=model, messages=messages, params=params, cache=flag(body, "cache"), record_behind=True,
        **origin.fields(),
    )  # fmt: skip


def turn_input(origin: Origin, turn: dict[str, Any], slug: str) -> GenerationInput:
    """One model's part of a playground turn, as the page stored it (see playground.pages.chat)."""
    return GenerationInput(
        model=slug, messages=turn["messages"][slug], params=_parameters(turn["params"]),
        conversation_id=turn["conversation_id"], turn=turn["turn"], **origin.fields(),
    )  # fmt: skip


def batch_input(origin: Origin, model: str, parameters: dict[str, Any], prompt: str) -> GenerationInput:
    """One prompt of a batch: the batch's parameters (and system prompt, `system`) with this prompt."""
    messages = [{"role": "system", "content": parameters["system"]}] if parameters.get("system") else []
    messages.append({"role": "user", "content": prompt})
    return GenerationInput(
        model=model, messages=messages, params=_parameters(parameters), defaults=REST_DEFAULTS, **origin.fields()
    )


def batch_parameters_unknown(parameters: dict[str, Any]) -> list[str]:
    """Names in a batch's `parameters` that no generation takes."""
    return sorted(set(parameters) - {*PARAMETERS, "system"})


def origin_of(request: Any, *, user: Any, door: str, api_key_id: int | None = None) -> Origin:
    """The caller of an HTTP request, as the ledger records it."""
    return Origin(
        user=user, door=door, api_key_id=api_key_id, ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", ""),
    )  # fmt: skip
