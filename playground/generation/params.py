"""What a caller asks for, checked against the model's ranges before anything is counted."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.models import AIModel, ModelStatus
from config.api.exceptions import ApiError
from usage.models import Door

ROLES = frozenset({"system", "user", "assistant"})
MAX_MODELS = 4  # models compared at once, in the playground and on the event stream door
MAX_STOPS = 4
DEFAULT_MAX_OUTPUT = 4096
# The sampling parameters a caller may set, by the names every wire format of ours uses.
PARAMETERS = ("max_tokens", "temperature", "top_p", "stop", "presence_penalty", "frequency_penalty", "seed")
# The product spec's values for what a caller of our REST doors leaves out. The OpenAI- and
# Anthropic-shaped doors set none: there, omitted means the provider's own default, as upstream.
REST_DEFAULTS: dict[str, Any] = {"max_tokens": 1000, "temperature": 0.7, "top_p": 0.9}


@dataclass
class GenerationInput:
    """One generation request, whichever door it came through (built by playground.generation.inputs)."""

    user: Any
    model: str  # empty: the user's default model
    messages: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)  # as sent, by the names in PARAMETERS
    defaults: dict[str, Any] = field(default_factory=dict)  # the door's values for parameters left out
    cache: bool = False
    door: str = Door.REST
    api_key_id: int | None = None
    ip: str | None = None
    user_agent: str = ""
    conversation_id: Any = None
    turn: int = 0  # position in the conversation (playground turns)
    # Record the Generation row behind the response (API doors; see usage.ledger) rather than
    # before it (pages and jobs that render from the row at once).
    record_behind: bool = False


@dataclass(frozen=True)
class Params:
    """Validated parameters, by the names in PARAMETERS (which are providers.base.ChatRequest's too),
    ready for the adapter and for the ledger."""

    values: dict[str, Any]

    @property
    def max_tokens(self) -> int:
        return int(self.values["max_tokens"])

    @property
    def deterministic(self) -> bool:
        return self.values.get("temperature") == 0

    def as_dict(self) -> dict[str, Any]:
        """What was set (the ledger's `parameters`, the response cache's key)."""
        return {k: v for k, v in self.values.items() if v not in (None, [], {})}

    def request_fields(self) -> dict[str, Any]:
        """The ChatRequest fields these parameters fill."""
        return dict(self.values)


def refuse_unusable(model: AIModel | None, slug: str) -> AIModel:
    if model is None:
        raise ApiError("NOT_FOUND", f"The model '{slug}' does not exist.", param="model")
    if model.status == ModelStatus.DEPRECATED:
        raise ApiError(
            "VALIDATION_ERROR",
            f"The model '{model.slug}' is deprecated and can no longer be used.",
            details={"model": [f"'{model.slug}' is deprecated."]},
            param="model",
        )
    if not model.is_usable:
        raise ApiError(
            "VALIDATION_ERROR",
            f"The model '{model.slug}' is not available right now ({model.status}).",
            details={"model": [f"'{model.slug}' is not available."]},
            param="model",
        )
    return model


def invalid(name: str, message: str, **allowed: Any) -> ApiError:
    """A refused field: its name, why, and (for a range) what is allowed."""
    details: dict[str, Any] = {name: [message]}
    if allowed:
        details["allowed"] = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in allowed.items()}
    return ApiError("VALIDATION_ERROR", message, details=details, param=name)


def _number(name: str, value: Any, low: Decimal, high: Decimal) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise invalid(name, f"{name} must be a number between {low} and {high}.", min=low, max=high)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid(name, f"{name} must be a number between {low} and {high}.", min=low, max=high) from None
    if not low <= number <= high:
        raise invalid(name, f"{name} must be between {low} and {high} for this model.", min=low, max=high)
    return float(number)


def _max_tokens(value: Any, model: AIModel) -> int:
    ceiling = model.max_output_tokens or DEFAULT_MAX_OUTPUT
    if value is None:
        return min(model.max_tokens_default, ceiling)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
        raise invalid(
            "max_tokens", f"max_tokens must be an integer between 1 and {ceiling} for this model.", min=1, max=ceiling
        )
    return value


def _stop(value: Any, model: AIModel) -> list[str] | None:
    if value in (None, [], ""):
        return None
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops) or len(stops) > MAX_STOPS:
        raise invalid("stop", f"stop must be a string or a list of up to {MAX_STOPS} non-empty strings.")
    if not model.supports_stop:
        raise invalid("stop", f"The model '{model.slug}' does not support stop sequences.")
    return stops


def validate_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise invalid("messages", "messages must be a non-empty list of {role, content} objects.")
    clean = []
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(role, str) or role not in ROLES:  # a dict or list role is unhashable
            raise invalid("messages", f"messages[{index}].role must be one of system, user, assistant.")
        content = message.get("content")
        if not isinstance(content, str):
            raise invalid("messages", f"messages[{index}].content must be a string.")
        clean.append({"role": message["role"], "content": content})
    return clean


def _defaults_for(model: AIModel, defaults: dict[str, Any]) -> dict[str, Any]:
    """A door's defaults as this model can take them: max_tokens within its ceiling; a sampling value
    outside its range is left out (the provider's own default applies), never refused: the caller did
    not send it."""
    fitting = {}
    if (max_tokens := defaults.get("max_tokens")) is not None:
        fitting["max_tokens"] = min(max_tokens, model.max_output_tokens or DEFAULT_MAX_OUTPUT)
    for name in ("temperature", "top_p"):
        value = defaults.get(name)
        if value is not None and getattr(model, f"{name}_min") <= Decimal(str(value)) <= getattr(model, f"{name}_max"):
            fitting[name] = value
    return fitting


def validate_params(inp: GenerationInput, model: AIModel) -> Params:
    raw = {**_defaults_for(model, inp.defaults), **inp.params} if inp.defaults else inp.params
    values: dict[str, Any] = {
        "max_tokens": _max_tokens(raw.get("max_tokens"), model),
        "temperature": _number("temperature", raw.get("temperature"), model.temperature_min, model.temperature_max),
        "top_p": _number("top_p", raw.get("top_p"), model.top_p_min, model.top_p_max),
        "stop": _stop(raw.get("stop"), model),
    }
    for name in ("presence_penalty", "frequency_penalty"):
        values[name] = _number(name, raw.get(name), Decimal(-2), Decimal(2))
        if values[name] is not None and not model.supports_penalties:
            raise invalid(name, f"The model '{model.slug}' does not support {name}.")
    if (seed := raw.get("seed")) is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise invalid("seed", "seed must be an integer.")
        values["seed"] = seed if model.supports_seed else None
    if not model.supports_system_prompt and any(m["role"] == "system" for m in inp.messages):
        raise invalid("messages", f"The model '{model.slug}' does not take a system prompt.")
    return Params(values)
