"""The provider contract: plain data classes and the Adapter interface.

Nothing here touches Django. An adapter gets everything it needs (URL, key, timeouts) in a
ProviderConfig, so the same code runs in a view, a Celery task or a benchmark script.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal

import httpx

from providers.media import (
    EMBEDDING_FIELDS,
    IMAGE_FIELDS,
    EmbeddingRequest,
    EmbeddingResult,
    GeneratedImage,
    ImageRequest,
    ImageResult,
    ImageUsage,
)
from providers.messages import ChatMessage, ResponseFormat, Tool, ToolChoice
from providers.results import (
    ChatResult,
    Choice,
    StreamDelta,
    StreamEnd,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)

__all__ = [
    "Adapter",
    "ChatRequest",
    "ChatResult",
    "Choice",
    "EmbeddingRequest",
    "EmbeddingResult",
    "ErrorKind",
    "GeneratedImage",
    "ImageRequest",
    "ImageResult",
    "ImageUsage",
    "ProviderConfig",
    "ProviderError",
    "StreamDelta",
    "StreamEnd",
    "TokenLogprob",
    "ToolCall",
    "ToolCallDelta",
    "TopLogprob",
    "UpstreamModel",
    "Usage",
    "VideoRequest",
    "VideoStatus",
]

ErrorKind = Literal[
    "authentication",
    "permission",
    "model_not_found",
    "bad_request",
    "rate_limited",
    "quota_exhausted",
    "timeout",
    "unavailable",
    "content_filter",
    "protocol",
]

# Kinds that may succeed if the same request is sent again a little later.
RETRYABLE_KINDS: frozenset[str] = frozenset({"rate_limited", "unavailable", "timeout"})

# What a client is told for each kind when the provider's own words are not safe to pass on.
SAFE_MESSAGES: dict[str, str] = {
    "authentication": "The provider rejected the gateway's credentials.",
    "permission": "The provider refused access to this model.",
    "model_not_found": "The provider does not know this model.",
    "bad_request": "The provider rejected the request.",
    "rate_limited": "The provider is rate-limiting requests; try again later.",
    "quota_exhausted": "The provider account has run out of credit or quota.",
    "timeout": "The provider did not answer in time.",
    "unavailable": "The provider is unavailable right now.",
    "content_filter": "The provider's content filter blocked this request.",
    "protocol": "The provider sent a reply that could not be understood.",
}


class ProviderError(Exception):
    """An upstream failure, normalised.

    `message` is safe to show a client: our own words for the kind, or, for a request the provider
    refused as bad (`bad_request`, `content_filter`), the provider's own short JSON message. Raw
    upstream bodies, HTML pages and exception reprs go to `detail`, which is for logs only;
    `str(error)` includes it, so log the error itself and show clients `message`.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str = "",
        *,
        status: int | None = None,
        retry_after: float | None = None,
        provider: str = "",
        retryable: bool | None = None,
        code: str | None = None,
        detail: str = "",
    ) -> None:
        message = message or SAFE_MESSAGES[kind]
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        self.provider = provider
        self.code = code
        self.retryable = kind in RETRYABLE_KINDS if retryable is None else retryable

    def __reduce__(self) -> tuple:
        # Celery and multiprocessing pickle exceptions; the keyword-only fields must survive that.
        fields = {"status": self.status, "retry_after": self.retry_after, "provider": self.provider}
        fields |= {"retryable": self.retryable, "code": self.code, "detail": self.detail}
        return (_rebuild_error, (self.kind, self.message, fields))

    def __str__(self) -> str:
        where = f"{self.provider} " if self.provider else ""
        status = f" (HTTP {self.status})" if self.status else ""
        detail = f" [{self.detail}]" if self.detail else ""
        return f"{where}{self.kind}{status}: {self.message}{detail}"

    def __repr__(self) -> str:
        return f"ProviderError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


def _rebuild_error(kind: ErrorKind, message: str, fields: dict[str, Any]) -> ProviderError:
    return ProviderError(kind, message, **fields)


def unsupported_error(provider: str, names: list[str]) -> ProviderError:
    """The refusal of fields a provider cannot honour; `code` lets a door answer 400 by name."""
    listed = ", ".join(names)
    return ProviderError(
        "bad_request",
        f"The provider does not support: {listed}.",
        provider=provider,
        retryable=False,
        code="unsupported_field",
        detail=listed,
    )


@dataclass(frozen=True)
class ProviderConfig:
    kind: str  # openai | openai_compatible | openrouter | huggingface | huggingface_legacy | minimax | ollama | demo
    base_url: str
    api_key: str = field(default="", repr=False)  # never in logs or tracebacks
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    total_timeout: float = 300.0
    max_retries: int = 2
    # Admin-configured upstreams (Ollama on the LAN, vLLM on localhost) are private on purpose;
    # turn this off for any URL an ordinary user typed in.
    allow_private: bool = True
    extra_headers: dict[str, str] = field(default_factory=dict)
    app_url: str = ""  # OpenRouter attribution (HTTP-Referer)
    app_name: str = ""  # OpenRouter attribution (X-Title)
    # Longest server-suggested wait (Retry-After, HF estimated_time) we sleep through before retrying.
    max_retry_wait: float = 10.0
    options: dict[str, Any] = field(default_factory=dict)  # adapter-specific knobs, e.g. demo pacing
    # Extra request fields (not typed on ChatRequest) this provider's operator allows forwarded
    # as they are, e.g. vLLM's "top_k"; any other extra field is refused by name.
    passthrough_fields: frozenset[str] = frozenset()

    def __hash__(self) -> int:  # dict fields are unhashable; identity is enough for caches
        return hash((self.kind, self.base_url, self.api_key))


@dataclass
class ChatRequest:
    """One chat call, whichever door it came through, in OpenAI's vocabulary.

    `max_tokens` is the output cap (OpenAI's `max_completion_tokens`, or its legacy `max_tokens`);
    each adapter sends it under its provider's name. Fields left None are not sent. `extra` holds
    fields the project does not type; they are refused by name unless the provider's operator
    allowed them (ProviderConfig.passthrough_fields), see providers/README.md.
    """

    model: str  # the upstream model id
    messages: list[ChatMessage]
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    n: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    logit_bias: dict[str, int] | None = None
    reasoning_effort: str | None = None  # none | minimal | low | medium | high | xhigh
    user: str | None = None
    safety_identifier: str | None = None
    metadata: dict[str, str] | None = None

    @property
    def max_completion_tokens(self) -> int | None:
        return self.max_tokens

    @property
    def choices(self) -> int:
        return self.n or 1

    @classmethod
    def from_openai(cls, body: dict[str, Any]) -> ChatRequest:
        """Map an OpenAI chat body onto the typed fields; everything else lands in `extra`.

        No validation happens here (the door does that). `stream` is the caller's choice of
        chat() or stream_chat(); `stream_options.include_usage` is always sent, so only other
        stream options count as extra.
        """
        values: dict[str, Any] = {"model": body.get("model", ""), "messages": body.get("messages") or []}
        extra: dict[str, Any] = {}
        for key, value in body.items():
            if key in ("model", "messages", "stream"):
                continue
            if key == "stream_options":
                if set(value or {}) - {"include_usage"}:
                    extra[key] = value
            elif key in ("max_tokens", "max_completion_tokens"):
                values.setdefault("max_tokens", body.get("max_completion_tokens", value))
            elif key == "stop":
                values["stop"] = [value] if isinstance(value, str) else value
            elif key in _TYPED_FIELDS:
                values[key] = value
            else:
                extra[key] = value
        return cls(**values, extra=extra)


# Optional request fields, in the order adapters copy them into OpenAI-shaped bodies.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "n",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "reasoning_effort",
    "user",
    "safety_identifier",
    "metadata",
)
_TYPED_FIELDS = frozenset(OPTIONAL_FIELDS)

# Attribution fields: recorded on the generation by the gateway and forwarded only to providers
# that take them. Leaving them out elsewhere changes nothing in the answer, so they are not refused.
RECORDED_FIELDS: frozenset[str] = frozenset({"user", "safety_identifier", "metadata"})

# Values that mean the same as leaving the field out: an adapter that cannot send the field still
# honours them.
_NO_EFFECT: dict[str, tuple[Any, ...]] = {
    "n": (1,),
    "logprobs": (False,),
    "parallel_tool_calls": (True,),
    "stop": ([],),
    "tools": ([],),
    "response_format": ({"type": "text"},),
    # Unknown (extra) fields whose value is OpenAI's own default.
    "store": (False,),
    "modalities": (["text"],),
}

# Extra keys that name what the adapter itself controls; never taken from `extra`.
RESERVED_EXTRA: frozenset[str] = frozenset({"model", "messages", "stream", "stream_options"}) | _TYPED_FIELDS

# The optional fields of the media requests an adapter may or may not honour (declared per adapter
# in embedding_fields / image_fields), and the values that ask for nothing beyond the default.
EMBEDDING_OPTIONS: tuple[str, ...] = ("dimensions",)
IMAGE_OPTIONS: tuple[str, ...] = ("n", "size", "quality", "background", "output_format", "aspect_ratio")
_MEDIA_NO_EFFECT: dict[str, tuple[Any, ...]] = {
    "n": (1,),
    "size": ("auto",),
    "quality": ("auto",),
    "background": ("auto",),
}


def is_set(name: str, value: Any) -> bool:
    """True when a field asks for something beyond the provider's default."""
    return value is not None and value not in _NO_EFFECT.get(name, ())


def media_set(name: str, value: Any) -> bool:
    """is_set for the fields of an image request ("auto" and n=1 ask for nothing)."""
    return value is not None and value not in _MEDIA_NO_EFFECT.get(name, ())


_EMBEDDING_RESERVED = frozenset(EMBEDDING_FIELDS)
_IMAGE_RESERVED = frozenset(IMAGE_FIELDS)


@dataclass
class UpstreamModel:
    id: str
    name: str
    context_length: int | None = None
    max_output_tokens: int | None = None
    input_price_per_1m: Decimal | None = None
    output_price_per_1m: Decimal | None = None
    modality: str = "text"
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class VideoRequest:
    model: str
    prompt: str
    duration: int | None = None
    resolution: str | None = None
    first_frame_image: str | None = None


VideoState = Literal["preparing", "queueing", "processing", "success", "fail"]


@dataclass
class VideoStatus:
    state: VideoState
    file_id: str | None = None
    width: int | None = None
    height: int | None = None
    error: str | None = None


class Adapter(ABC):
    """One upstream provider. Instances are cheap; keep no per-request state on them.

    Capabilities: `supported_fields` names the ChatRequest fields the adapter sends upstream or
    translates; a set field outside it is refused by name (`unsupported_fields`), except the
    attribution fields in RECORDED_FIELDS, which the gateway records itself. Adapters that
    translate also check values and messages (`unsupported_values`, `unsupported_messages`).
    chat() and stream_chat() refuse before any upstream call, so nothing is ever dropped silently
    even by a caller that did not ask first.
    """

    name: str = "provider"
    supported_fields: ClassVar[frozenset[str]] = frozenset()
    modalities: ClassVar[frozenset[str]] = frozenset({"chat"})  # chat, embedding, image, video
    embedding_fields: ClassVar[frozenset[str]] = frozenset()  # of EMBEDDING_OPTIONS
    takes_token_input: ClassVar[bool] = False  # embeddings of token-id arrays
    image_fields: ClassVar[frozenset[str]] = frozenset()  # of IMAGE_OPTIONS
    takes_passthrough: ClassVar[bool] = True  # may forward ProviderConfig.passthrough_fields
    _refusable: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        unsupported = set(OPTIONAL_FIELDS) - cls.supported_fields - RECORDED_FIELDS
        cls._refusable = tuple(name for name in OPTIONAL_FIELDS if name in unsupported)

    @classmethod
    def recorded_only_fields(cls) -> frozenset[str]:
        """Attribution fields this provider does not take; the gateway keeps them in its ledger."""
        return RECORDED_FIELDS - cls.supported_fields

    def __init__(self, config: ProviderConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._given_client = client

    def unsupported_fields(self, req: ChatRequest | EmbeddingRequest | ImageRequest) -> list[str]:
        """Names (or paths, for parts of messages) of what this provider cannot honour; [] if none.

        For a modality the adapter does not serve at all, [] (embed() and generate_images() refuse
        the whole call, code "unsupported_modality")."""
        if isinstance(req, EmbeddingRequest):
            return self.unsupported_embedding_fields(req) if "embedding" in self.modalities else []
        if isinstance(req, ImageRequest):
            return self.unsupported_image_fields(req) if "image" in self.modalities else []
        found = [name for name in self._refusable if is_set(name, getattr(req, name))]
        found += self.unsupported_values(req)
        found += self.unsupported_messages(req)
        if req.extra:
            found += self._unsupported_extra(req.extra)
        return found

    def unsupported_values(self, req: ChatRequest) -> list[str]:
        """Supported fields set to a value this provider cannot honour (e.g. tool_choice "required")."""
        return []

    def unsupported_messages(self, req: ChatRequest) -> list[str]:
        """Paths of message parts this provider cannot take, e.g. "messages[1].content[0].image_url"."""
        return []

    def _unsupported_extra(self, extra: dict[str, Any], reserved: frozenset[str] = RESERVED_EXTRA) -> list[str]:
        allowed = self.config.passthrough_fields if self.takes_passthrough else frozenset()
        return [k for k, v in extra.items() if is_set(k, v) and (k in reserved or k not in allowed)]

    def unsupported_embedding_fields(self, req: EmbeddingRequest) -> list[str]:
        found = [n for n in EMBEDDING_OPTIONS if n not in self.embedding_fields and getattr(req, n) is not None]
        if req.token_input and not self.takes_token_input:
            found.append("input")  # token-id arrays, where the upstream takes text only
        found += self.unsupported_embedding_values(req)
        return found + self._unsupported_extra(req.extra, _EMBEDDING_RESERVED) if req.extra else found

    def unsupported_image_fields(self, req: ImageRequest) -> list[str]:
        found = [n for n in IMAGE_OPTIONS if n not in self.image_fields and media_set(n, getattr(req, n))]
        found += [n for n in self.unsupported_image_values(req) if n not in found]
        return found + self._unsupported_extra(req.extra, _IMAGE_RESERVED) if req.extra else found

    def unsupported_embedding_values(self, req: EmbeddingRequest) -> list[str]:
        """Supported fields set to a value this provider or model cannot honour."""
        return []

    def unsupported_image_values(self, req: ImageRequest) -> list[str]:
        """Supported fields set to a value this provider or model cannot honour (a size, n > max)."""
        return []

    def refuse_unsupported_media(self, req: EmbeddingRequest | ImageRequest) -> None:
        if names := self.unsupported_fields(req):
            raise unsupported_error(self.name, names)

    def passthrough(self, req: ChatRequest | EmbeddingRequest | ImageRequest) -> dict[str, Any]:
        """The extra fields to forward: those the operator allowed, less OpenAI's own defaults."""
        return {k: v for k, v in req.extra.items() if is_set(k, v)}

    def refuse_unsupported(self, req: ChatRequest) -> None:
        if (self._refusable or req.extra or self.checks_more) and (names := self.unsupported_fields(req)):
            raise unsupported_error(self.name, names)

    # Adapters that override unsupported_values/unsupported_messages set this, so that a plain
    # request to an OpenAI-wire adapter costs one attribute check or two.
    checks_more: ClassVar[bool] = False

    @property
    def client(self) -> httpx.AsyncClient:
        if self._given_client is not None:
            return self._given_client
        from providers.http import shared_async_client

        return shared_async_client(allow_private=self.config.allow_private)

    @abstractmethod
    async def chat(self, req: ChatRequest) -> ChatResult: ...

    @abstractmethod
    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]: ...

    @abstractmethod
    async def list_models(self) -> list[UpstreamModel]: ...

    async def video_submit(self, req: VideoRequest) -> str:
        raise self._no_video()

    async def video_poll(self, task_id: str) -> VideoStatus:
        raise self._no_video()

    async def video_result_url(self, file_id: str) -> str:
        raise self._no_video()

    def _no_video(self) -> ProviderError:
        return ProviderError("bad_request", f"{self.name} does not generate video", provider=self.name)

    async def embed(self, req: EmbeddingRequest) -> EmbeddingResult:
        raise self._no_modality("do embeddings")

    async def generate_images(self, req: ImageRequest) -> ImageResult:
        raise self._no_modality("generate images")

    def _no_modality(self, what: str) -> ProviderError:
        message = f"{self.name} does not {what}"
        return ProviderError("bad_request", message, provider=self.name, retryable=False, code="unsupported_modality")
