"""One builder per wire format, from what a door received to the one GenerationInput.

Each door parses its own body (JSON, a form, a stored turn) and hands the parts here; what the
fields are called and which of them a format may set is decided in this module only.

The rule for fields: a field of OpenAI's chat request that the project types (sampling,
MODEL_OPTIONS, ATTRIBUTION) goes to its place on GenerationInput; one a door handles itself
(`model`, `messages`, `stream`, `stream_options`, `cache`) is the door's; `audio`, `modalities`
(other than ["text"]) and `prediction` are refused by name (400); any other field lands in
`extra`, which is forwarded to a provider whose operator allowed that field by name and refused
by name (400, naming field and model) everywhere else. Nothing is dropped silently.
"""

from dataclasses import dataclass
from typing import Any

from config.api.exceptions import ApiError
from playground.generation.chat_shapes import refuse
from playground.generation.params import (
    ATTRIBUTION,
    MODEL_OPTIONS,
    PARAMETERS,
    REFUSED_FIELDS,
    REST_DEFAULTS,
    GenerationInput,
)

# What the doors themselves read from a body; never a model's field.
DOOR_FIELDS = frozenset({"model", "messages", "stream", "stream_options", "cache", "max_completion_tokens", "notify"})
_TYPED = frozenset({*PARAMETERS, *MODEL_OPTIONS, *ATTRIBUTION}) | DOOR_FIELDS
_OPENAI_TYPED = _TYPED | {"prompt"}  # the completions body's prompt is its door's


@dataclass(frozen=True)
class Origin:
    """Who is calling, through which door, from where: what the ledger row says about the caller."""

    user: Any
    door: str
    api_key_id: int | None = None
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "door": self.door,
            "api_key_id": self.api_key_id,
            "ip": self.ip,
            "user_agent": self.user_agent[:300],
            "request_id": self.request_id,
        }


def _parameters(source: dict[str, Any]) -> dict[str, Any]:
    params = {name: source[name] for name in PARAMETERS if source.get(name) is not None}
    if source.get("max_completion_tokens") is not None:  # OpenAI's newer name of max_tokens
        params["max_tokens"] = source["max_completion_tokens"]
    return params


def _options(source: dict[str, Any]) -> dict[str, Any]:
    """GenerationInput's chat options from a body that uses OpenAI's names (`user` is end_user)."""
    options = {name: source.get(name) for name in MODEL_OPTIONS}
    options |= {"end_user": source.get("user"), "safety_identifier": source.get("safety_identifier")}
    options["metadata"] = source.get("metadata")
    return options


def _extra(source: dict[str, Any], known: frozenset[str] = _TYPED) -> dict[str, Any]:
    """The fields no door of ours types (forwarded where allowed, else refused by name)."""
    for name in REFUSED_FIELDS:
        value = source.get(name)
        if value is not None and not (name == "modalities" and value == ["text"]):
            raise refuse(name, f"{name} is not supported by this gateway: only text and tool calls are answered.")
    return {k: v for k, v in source.items() if k not in known and k not in REFUSED_FIELDS}


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
        cache=flag(body, "cache"), extra=_extra(body), **_options(body), **origin.fields(),
    )  # fmt: skip


def openai_input(origin: Origin, body: dict[str, Any], messages: Any) -> GenerationInput:
    """OpenAI's chat and completions bodies: `model` is required, `max_completion_tokens` is the newer
    name of `max_tokens`; the completions body's `prompt` is the door's (it becomes `messages`)."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError("VALIDATION_ERROR", "you must provide a model parameter", param="model")
    return GenerationInput(
        model=model, messages=messages, params=_parameters(body), cache=flag(body, "cache"), record_behind=True,
        extra=_extra(body, _OPENAI_TYPED), **_options(body), **origin.fields(),
    )  # fmt: skip


# Anthropic's Messages body: the fields its door reads itself or translates (playground.doors.anthropic);
# any other (top_k, thinking, ...) lands in `extra`, refused by name unless an operator allowed it.
ANTHROPIC_FIELDS = frozenset(
    {"model", "messages", "system", "max_tokens", "stop_sequences", "temperature", "top_p", "tools", "tool_choice"}
    | {"metadata", "stream", "output_config"}
)


def anthropic_input(origin: Origin, body: dict[str, Any], chat: dict[str, Any]) -> GenerationInput:
    """Anthropic's Messages body, its messages, tools, tool choice and output_config already translated
    to OpenAI's shapes by the door (`chat`: messages, tools, tool_choice, parallel_tool_calls,
    response_format, reasoning_effort). `max_tokens` is required, as Anthropic requires it;
    `stop_sequences` is `stop`; `metadata.user_id` is the end user."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError("VALIDATION_ERROR", "model: Field required", param="model")
    if body.get("max_tokens") is None:
        raise ApiError("VALIDATION_ERROR", "max_tokens: Field required", param="max_tokens")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or set(metadata) - {"user_id"}:
        raise refuse("metadata", "metadata may only hold user_id.")
    params = {name: body[name] for name in ("max_tokens", "temperature", "top_p") if body.get(name) is not None}
    if body.get("stop_sequences") is not None:
        params["stop"] = body["stop_sequences"]
    return GenerationInput(
        model=model, messages=chat["messages"], params=params, tools=chat.get("tools"),
        tool_choice=chat.get("tool_choice"), parallel_tool_calls=chat.get("parallel_tool_calls"),
        response_format=chat.get("response_format"), reasoning_effort=chat.get("reasoning_effort"),
        end_user=metadata.get("user_id"), record_behind=True, extra=_extra(body, ANTHROPIC_FIELDS), **origin.fields(),
    )  # fmt: skip


# OpenAI's Responses body: the fields its door reads itself or translates (playground.doors.responses);
# any other (truncation, include, background, ...) lands in `extra`, refused by name unless allowed.
RESPONSES_FIELDS = frozenset(
    {"model", "input", "instructions", "tools", "tool_choice", "text", "max_output_tokens", "reasoning", "stream"}
    | {"previous_response_id", "store", "stream_options", "temperature", "top_p", "parallel_tool_calls", "metadata"}
    | {"user", "safety_identifier"}
)


def responses_input(origin: Origin, body: dict[str, Any], chat: dict[str, Any]) -> GenerationInput:
    """OpenAI's Responses body, its input, tools, tool choice and text format already translated to the
    chat request's shapes by the door (`chat`: messages, tools, tool_choice, response_format).
    `max_output_tokens` is `max_tokens`; `reasoning.effort` is `reasoning_effort`."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError("VALIDATION_ERROR", "you must provide a model parameter", param="model")
    params = {name: body[name] for name in ("temperature", "top_p") if body.get(name) is not None}
    if body.get("max_output_tokens") is not None:
        params["max_tokens"] = body["max_output_tokens"]
    options = _options(body) | {"tools": chat.get("tools"), "tool_choice": chat.get("tool_choice")}
    options |= {"response_format": chat.get("response_format"), "reasoning_effort": chat.get("reasoning_effort")}
    return GenerationInput(
        model=model, messages=chat["messages"], params=params, record_behind=True,
        extra=_extra(body, RESPONSES_FIELDS), **options, **origin.fields(),
    )  # fmt: skip


def turn_input(origin: Origin, turn: dict[str, Any], slug: str) -> GenerationInput:
    """One model's part of a playground turn, as the page stored it (see playground.pages.chat)."""
    return GenerationInput(
        model=slug, messages=turn["messages"][slug], params=_parameters(turn["params"]),
        conversation_id=turn["conversation_id"], turn=turn["turn"], **_options(turn["params"]), **origin.fields(),
    )  # fmt: skip


def batch_input(origin: Origin, model: str, parameters: dict[str, Any], prompt: str) -> GenerationInput:
    """One prompt of a batch: the batch's parameters (sampling, tools, response_format ..., and the
    system prompt, `system`) with this prompt."""
    messages: list[Any] = [{"role": "system", "content": parameters["system"]}] if parameters.get("system") else []
    messages.append({"role": "user", "content": prompt})
    return GenerationInput(
        model=model, messages=messages, params=_parameters(parameters), defaults=REST_DEFAULTS,
        **_options(parameters), **origin.fields()
    )


BATCH_PARAMETERS = frozenset({*PARAMETERS, *MODEL_OPTIONS, *ATTRIBUTION, "max_completion_tokens", "system"})


def batch_parameters_unknown(parameters: dict[str, Any]) -> list[str]:
    """Names in a batch's `parameters` that no generation takes."""
    return sorted(set(parameters) - BATCH_PARAMETERS)


def origin_of(request: Any, *, user: Any, door: str, api_key_id: int | None = None) -> Origin:
    """The caller of an HTTP request, as the ledger records it."""
    return Origin(
        user=user, door=door, api_key_id=api_key_id, ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", ""), request_id=getattr(request, "request_id", ""),
    )  # fmt: skip
