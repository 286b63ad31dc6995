"""Plumbing shared by the adapters that talk HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from providers.base import Adapter, ChatRequest, ProviderError, Usage
from providers.errors import http_error, load_json, protocol_error
from providers.http import send_whole, timeout_for
from providers.retry import call_with_retries, stream_with_retries
from providers.tokens import estimate_prompt_tokens, estimate_tokens


class HTTPAdapter(Adapter):
    def url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        headers.update(self.config.extra_headers)
        return headers

    @property
    def timeout(self) -> httpx.Timeout:
        return timeout_for(self.config.connect_timeout, self.config.read_timeout)

    def error_from_response(self, response: httpx.Response, body: bytes) -> ProviderError:
        return http_error(self.name, response, body)

    async def request_json(
        self, method: str, url: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """One JSON call with retries; raises ProviderError for error statuses and non-JSON bodies."""

        async def attempt() -> Any:
            response = await send_whole(
                self.client, method, url, json=json, params=params, headers=self.headers(), timeout=self.timeout
            )
            if response.status_code >= 400:
                raise self.error_from_response(response, response.content)
            payload = load_json(response.content)
            if payload is None:
                raise protocol_error(self.name, f"not JSON: {response.content[:200]!r}")
            self.check_payload(payload, response)
            return payload

        return await call_with_retries(self.config, self.name, attempt)

    def check_payload(self, payload: Any, response: httpx.Response) -> None:
        """Hook for providers that report errors inside a 200 response (MiniMax)."""

    def stream(
        self,
        url: str,
        body: Callable[[], dict[str, Any]],
        parse: Callable[[httpx.Response], AsyncIterator[Any]],
        req: ChatRequest | None = None,
    ) -> AsyncIterator[Any]:
        """POST and hand the open response to `parse`, with retries before the first item.

        The request is checked (and its body built) when iteration starts, so a refusal reaches
        the caller the same way as every other error of a stream."""

        async def open_stream() -> AsyncIterator[Any]:
            if req is not None:
                self.refuse_unsupported(req)
            async with self.client.stream(
                "POST", url, json=body(), headers=self.headers(), timeout=self.timeout
            ) as response:
                if response.status_code >= 400:
                    raise self.error_from_response(response, await response.aread())
                async for item in parse(response):
                    yield item

        return stream_with_retries(self.config, self.name, open_stream)


def estimated_usage(req: ChatRequest, completion: str) -> Usage:
    prompt = estimate_prompt_tokens(req.messages)
    completion_tokens = estimate_tokens(completion)
    return Usage(prompt, completion_tokens, prompt + completion_tokens, estimated=True)


def drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
