"""The provider contract: plain data classes and the Adapter interface.

Nothing here touches Django. An adapter gets everything it needs (URL, key, timeouts) in a
ProviderConfig, so the same code runs in a view, a Celery task or a benchmark script.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import httpx

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


class ProviderError(Exception):
    """An upstream failure, normalised. `message` keeps the provider's own words."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        provider: str = "",
        retryable: bool | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.provider = provider
        self.code = code
        self.retryable = kind in RETRYABLE_KINDS if retryable is None else retryable

    def __reduce__(self) -> tuple:
        # Celery and multiprocessing pickle exceptions; the keyword-only fields must survive that.
        fields = {"status": self.status, "retry_after": self.retry_after, "provider": self.provider}
        fields |= {"retryable": self.retryable, "code": self.code}
        return (_rebuild_error, (self.kind, self.message, fields))

    def __str__(self) -> str:
        where = f"{self.provider} " if self.provider else ""
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{where}{self.kind}{status}: {self.message}"

    def __repr__(self) -> str:
        return f"ProviderError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


def _rebuild_error(kind: ErrorKind, message: str, fields: dict[str, Any]) -> ProviderError:
    return ProviderError(kind, message, **fields)


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

    def __hash__(self) -> int:  # dict fields are unhashable; identity is enough for caches
        return hash((self.kind, self.base_url, self.api_key))


@dataclass
class ChatRequest:
    model: str  # the upstream model id
    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # merged into the upstream body as-is


@dataclass
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False  # True when we counted locally because upstream reported nothing
    reported_cost: Decimal | None = None  # what the provider says it charged (OpenRouter usage.cost)


@dataclass
class ChatResult:
    content: str
    finish_reason: str | None
    usage: Usage
    upstream_id: str | None = None
    model: str | None = None


@dataclass
class StreamDelta:
    content: str


@dataclass
class StreamEnd:
    finish_reason: str | None
    usage: Usage
    upstream_id: str | None = None


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
    """One upstream provider. Instances are cheap; keep no per-request state on them."""

    name: str = "provider"

    def __init__(self, config: ProviderConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._given_client = client

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
