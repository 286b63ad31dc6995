"""What a caller asks for, checked against the model's ranges before anything is counted."""

import operator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.models import AIModel, ModelStatus
from config.api.exceptions import ApiError
from playground.generation import chat_shapes
from providers.messages import ChatMessage, image_parts
from usage.models import Door

MAX_MODELS = 4  # models compared at once, in the playground and on the event stream door
MAX_STOPS = 4
DEFAULT_MAX_OUTPUT = 4096
# The sampling parameters a caller may set, by the names every wire format of ours uses.
PARAMETERS = ("max_tokens", "temperature", "top_p", "stop", "presence_penalty", "frequency_penalty", "seed")
# The product spec's values for what a caller of our REST doors leaves out. The OpenAI- and
# Anthropic-shaped doors set none: there, omitted means the provider's own default, as upstream.
REST_DEFAULTS: dict[str, Any] = {"max_tokens": 1000, "temperature": 0.7, "top_p": 0.9}


# The chat options beyond sampling, by OpenAI's names (and ChatRequest's): what the model is asked
# to do (the first group) and who the call is for (attribution: recorded, passed on where taken).
MODEL_OPTIONS = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "n",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "reasoning_effort",
)
ATTRIBUTION = ("user", "safety_identifier", "metadata")
# OpenAI request fields no door of ours can render the answer of (audio out, predicted outputs):
# refused by name whatever the upstream could do, since the answer would be lost.
REFUSED_FIELDS = ("audio", "modalities", "prediction")


@dataclass
class GenerationInput:
    """One chat request, whichever door it came through (built by playground.generation.inputs).

    It carries the whole OpenAI chat request, so nothing a caller sends is lost on the way:

    - `messages`: providers.messages.ChatMessage dicts as sent: roles system, developer, user,
      assistant, tool; `content` a string, None (an assistant turn that only calls tools) or a
      list of parts (`text`, `image_url` with an http(s) URL or a `data:` URI and `detail`);
      assistant `tool_calls`; `tool_call_id` on tool messages; `name`.
    - `params`: sampling, by the names in PARAMETERS (`max_tokens` is OpenAI's
      `max_completion_tokens` too; `stop`, `seed` ...), checked against the model's ranges.
    - `tools`, `tool_choice`, `parallel_tool_calls`, `response_format`, `n`, `logprobs`,
      `top_logprobs`, `logit_bias`, `reasoning_effort`: each needs the model's catalog capability
      (required_capabilities) and its adapter's support, or the call is refused by name (400)
      before anything is admitted. `n` > 1 goes upstream in one call where the model takes it,
      else the door makes n metered calls (playground.generation.answer.generation_choices).
    - `end_user` (OpenAI's `user`), `safety_identifier`, `metadata`: recorded on the generation
      (its `parameters`), forwarded where the provider takes them, never refused.
    - `extra`: request fields the project does not know. They are forwarded only to a provider
      whose operator allowed them by name (ProviderConfig.passthrough_fields), and refused by
      name everywhere else (the rule, in providers/README.md). REFUSED_FIELDS never get here.
    """

    user: Any
    model: str  # empty: the user's default model
    messages: list[ChatMessage]
    params: dict[str, Any] = field(default_factory=dict)  # as sent, by the names in PARAMETERS
    defaults: dict[str, Any] = field(default_factory=dict)  # the door's values for parameters left out
    tools: Any = None
    tool_choice: Any = None
    parallel_tool_calls: Any = None
    response_format: Any = None
    n: Any = None
    logprobs: Any = None
    top_logprobs: Any = None
    logit_bias: Any = None
    reasoning_effort: Any = None
    end_user: Any = None
    safety_identifier: Any = None
    metadata: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    cache: bool = False
    door: str = Door.REST
    api_key_id: int | None = None
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""  # the HTTP request's X-Request-Id: failures are logged under it
    conversation_id: Any = None
    turn: int = 0  # position in the conversation (playground turns)
    # Record the Generation row behind the response (API doors; see usage.ledger) rather than
    # before it (pages and jobs that render from the row at once).
    record_behind: bool = False

    @property
    def choices(self) -> int:
        return self.n if isinstance(self.n, int) and not isinstance(self.n, bool) and self.n > 1 else 1


@dataclass(frozen=True)
class Params:
    """Validated parameters, by the names in PARAMETERS (which are providers.base.ChatRequest's too),
    ready for the adapter and for the ledger."""

    values: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)  # MODEL_OPTIONS and ATTRIBUTION that were set

    @property
    def max_tokens(self) -> int:
        return int(self.values["max_tokens"])

    @property
    def deterministic(self) -> bool:
        return self.values.get("temperature") == 0

    @property
    def n(self) -> int:
        return int(self.options.get("n") or 1)

    def as_dict(self) -> dict[str, Any]:
        """What was set (the ledger's `parameters`, the response cache's key)."""
        return {k: v for k, v in {**self.values, **self.options}.items() if v not in (None, [], {})}

    def request_fields(self) -> dict[str, Any]:
        """The ChatRequest fields these parameters fill."""
        return {**self.values, **self.options}

    def one_choice(self) -> "Params":
        """The same parameters for one of n separate calls."""
        return Params(self.values, {k: v for k, v in self.options.items() if k != "n"})


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
    return chat_shapes.validate_messages(messages)


# The GenerationInput fields validate_options reads: a plain request sets none of them.
_OPTION_INPUTS = operator.attrgetter(
    "tools", "tool_choice", "parallel_tool_calls", "response_format", "n", "logprobs", "top_logprobs",
    "logit_bias", "reasoning_effort", "end_user", "safety_identifier", "metadata",
)  # fmt: skip
_NO_OPTIONS = (None,) * 12


def validate_options(inp: GenerationInput) -> dict[str, Any]:
    """The chat options beyond sampling, well-formed (whether the model can honour them comes after)."""
    if _OPTION_INPUTS(inp) == _NO_OPTIONS:
        return {}  # every validator below answers None for None: nothing to check (most calls)
    tools = chat_shapes.validate_tools(inp.tools)
    options = {
        "tools": tools,
        "tool_choice": chat_shapes.validate_tool_choice(inp.tool_choice, tools),
        "parallel_tool_calls": chat_shapes.boolean("parallel_tool_calls", inp.parallel_tool_calls),
        "response_format": chat_shapes.validate_response_format(inp.response_format),
        "n": chat_shapes.integer("n", inp.n, 1, chat_shapes.MAX_N),
        "logprobs": chat_shapes.boolean("logprobs", inp.logprobs),
        "top_logprobs": chat_shapes.integer("top_logprobs", inp.top_logprobs, 0, chat_shapes.MAX_TOP_LOGPROBS),
        "logit_bias": chat_shapes.validate_logit_bias(inp.logit_bias),
        "reasoning_effort": chat_shapes.one_of("reasoning_effort", inp.reasoning_effort, chat_shapes.REASONING_EFFORTS),
        "user": chat_shapes.short_text("user", inp.end_user),
        "safety_identifier": chat_shapes.short_text("safety_identifier", inp.safety_identifier),
        "metadata": chat_shapes.validate_metadata(inp.metadata),
    }
    if options["top_logprobs"] is not None and not options["logprobs"]:
        raise chat_shapes.refuse("top_logprobs", "top_logprobs needs logprobs: true.")
    if options["n"] == 1:
        options["n"] = None
    return {name: value for name, value in options.items() if value is not None}


def required_capabilities(messages: list[dict[str, Any]], params: "Params") -> set[str]:
    """The catalog capabilities (catalog.models.Capability) a request needs of the model that answers."""
    values, options = params.values, params.options
    needed: set[str] = set()
    for m in messages:  # one pass: this runs on every call
        role = m["role"]
        if role == "tool" or m.get("tool_calls"):
            needed.add("tools")
        if role in ("system", "developer"):
            needed.add("system_prompt")
        content = m.get("content")
        if not isinstance(content, str) and any(True for _ in image_parts(content)):
            needed.add("vision")
    if options:  # a plain request sets none of these
        response_type = (options.get("response_format") or {}).get("type")
        wanted = {
            "tools": bool(options.get("tools")),
            "json_mode": response_type == "json_object",
            "json_schema": response_type == "json_schema",
            "logprobs": bool(options.get("logprobs")),
            "reasoning_effort": options.get("reasoning_effort") is not None,
        }
        needed.update(name for name, on in wanted.items() if on)
    if values.get("stop") is not None:
        needed.add("stop")
    if values.get("seed") is not None:
        needed.add("seed")
    if values.get("presence_penalty") is not None or values.get("frequency_penalty") is not None:
        needed.add("penalties")
    return needed


# The request field a missing capability is named by, in a refusal.
CAPABILITY_FIELD = {
    "tools": "tools",
    "vision": "messages",
    "json_mode": "response_format",
    "json_schema": "response_format",
    "logprobs": "logprobs",
    "reasoning_effort": "reasoning_effort",
    "stop": "stop",
    "seed": "seed",
    "penalties": "presence_penalty",
    "system_prompt": "messages",
    "n": "n",
}
CAPABILITY_WORDS = {
    "tools": "tool calling",
    "vision": "image input",
    "json_mode": "JSON mode (response_format json_object)",
    "json_schema": "structured output (response_format json_schema)",
    "logprobs": "logprobs",
    "reasoning_effort": "reasoning_effort",
    "stop": "stop sequences",
    "seed": "seed",
    "penalties": "presence_penalty / frequency_penalty",
    "system_prompt": "a system prompt",
    "n": "several choices in one call",
}


def refuse_missing(model: AIModel, missing: set[str]) -> ApiError:
    """A 400 naming the first missing capability's request field and the model."""
    first = sorted(missing, key=list(CAPABILITY_FIELD).index)[0]
    name = CAPABILITY_FIELD[first]
    return ApiError(
        "VALIDATION_ERROR",
        f"The model '{model.slug}' does not support {CAPABILITY_WORDS[first]} ({name}).",
        details={name: [f"Not supported by '{model.slug}'."], "model": model.slug, "unsupported": sorted(missing)},
        param=name,
    )


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
        values["seed"] = seed
    if not model.supports_system_prompt and any(m["role"] in ("system", "developer") for m in inp.messages):
        raise invalid("messages", f"The model '{model.slug}' does not take a system prompt.")
    return Params(values, validate_options(inp))
