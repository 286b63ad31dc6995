"""What a caller asks for, checked against the model's ranges before anything is counted."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.models import AIModel, ModelStatus
from playground.services.errors import GenerationError

ROLES = frozenset({"system", "user", "assistant"})
MAX_STOPS = 4
DEFAULT_MAX_OUTPUT = 4096


@dataclass
class GenerationInput:
    """One generation request, whichever door it came through."""

    user: Any
    model: str
    messages: list[dict[str, Any]]
    max_tokens: Any = None
    temperature: Any = None
    top_p: Any = None
    stop: Any = None
    presence_penalty: Any = None
    frequency_penalty: Any = None
    seed: Any = None
    cache: bool = False
    door: str = "rest"
    api_key_id: int | None = None
    ip: str | None = None
    user_agent: str = ""
    conversation_id: Any = None
    turn: int = 0  # position in the conversation (playground turns)
    # Record the Generation row behind the response (API doors; see playground.ledger) rather than
    # before it (pages and jobs that render from the row at once).
    record_behind: bool = False


@dataclass
class Params:
    """Validated parameters, ready for the adapter and for the ledger."""

    max_tokens: int
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {}, [])}

    @property
    def deterministic(self) -> bool:
        return self.temperature == 0


def refuse_unusable(model: AIModel | None, slug: str) -> AIModel:
    if model is None:
        raise GenerationError("NOT_FOUND", f"The model '{slug}' does not exist.", param="model")
    if model.status == ModelStatus.DEPRECATED:
        raise GenerationError(
            "VALIDATION_ERROR",
            f"The model '{model.slug}' is deprecated and can no longer be used.",
            details={"model": [f"'{model.slug}' is deprecated."]},
            param="model",
        )
    if not model.is_usable:
        raise GenerationError(
            "VALIDATION_ERROR",
            f"The model '{model.slug}' is not available right now ({model.status}).",
            details={"model": [f"'{model.slug}' is not available."]},
            param="model",
        )
    return model


def _invalid(name: str, message: str, **allowed: Any) -> GenerationError:
    details: dict[str, Any] = {name: [message]}
    if allowed:
        details["allowed"] = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in allowed.items()}
    return GenerationError("VALIDATION_ERROR", message, details=details, param=name)


def _number(name: str, value: Any, low: Decimal, high: Decimal) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid(name, f"{name} must be a number between {low} and {high}.", min=low, max=high)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(name, f"{name} must be a number between {low} and {high}.", min=low, max=high) from None
    if not low <= number <= high:
        raise _invalid(name, f"{name} must be between {low} and {high} for this model.", min=low, max=high)
    return float(number)


def _max_tokens(value: Any, model: AIModel) -> int:
    ceiling = model.max_output_tokens or DEFAULT_MAX_OUTPUT
    if value is None:
        return min(model.max_tokens_default, ceiling)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
        raise _invalid(
            "max_tokens", f"max_tokens must be an integer between 1 and {ceiling} for this model.", min=1, max=ceiling
        )
    return value


def _stop(value: Any, model: AIModel) -> list[str] | None:
    if value in (None, [], ""):
        return None
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops) or len(stops) > MAX_STOPS:
        raise _invalid("stop", f"stop must be a string or a list of up to {MAX_STOPS} non-empty strings.")
    if not model.supports_stop:
        raise _invalid("stop", f"The model '{model.slug}' does not support stop sequences.")
    return stops


def validate_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages", "messages must be a non-empty list of {role, content} objects.")
    clean = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise _invalid("messages", f"messages[{index}].role must be one of system, user, assistant.")
        content = message.get("content")
        if not isinstance(content, str):
            raise _invalid("messages", f"messages[{index}].content must be a string.")
        clean.append({"role": message["role"], "content": content})
    return clean


def validate_params(inp: GenerationInput, model: AIModel) -> Params:
    params = Params(
        max_tokens=_max_tokens(inp.max_tokens, model),
        temperature=_number("temperature", inp.temperature, model.temperature_min, model.temperature_max),
        top_p=_number("top_p", inp.top_p, model.top_p_min, model.top_p_max),
        stop=_stop(inp.stop, model),
    )
    for name in ("presence_penalty", "frequency_penalty"):
        value = _number(name, getattr(inp, name), Decimal(-2), Decimal(2))
        if value is not None and not model.supports_penalties:
            raise _invalid(name, f"The model '{model.slug}' does not support {name}.")
        setattr(params, name, value)
    if inp.seed is not None:
        if isinstance(inp.seed, bool) or not isinstance(inp.seed, int):
            raise _invalid("seed", "seed must be an integer.")
        params.seed = inp.seed if model.supports_seed else None
    if not model.supports_system_prompt and any(m["role"] == "system" for m in inp.messages):
        raise _invalid("messages", f"The model '{model.slug}' does not take a system prompt.")
    return params
