"""The one outbound HTTP module: every request to a provider or a webhook receiver goes through here.

Why the address check sits in the connection layer: checking a URL's hostname before the request is
not enough, because DNS can answer differently a moment later (rebinding). Here the hostname is
resolved by us (a network backend for httpcore, a resolver for aiohttp), every address is checked,
and the socket is opened to a checked address itself, so what was checked is what gets connected.
TLS still verifies the certificate against the hostname (sent as SNI), so connecting by IP does not
weaken HTTPS.

Proxies from the environment are ignored (trust_env=False): a proxy would connect on our behalf and
bypass the address check.

Async clients send through aiohttp (`AiohttpTransport`), behind httpx's API. httpx's own pool
(httpcore on anyio) costs about 1 ms of CPU per call at concurrency 1 and over 2 ms at 32 (it
scans every pooled connection, and polls each socket, on every request), more than the gateway's
whole budget; aiohttp's C parser and pool cost a few hundred microseconds. The address check sits
in aiohttp's resolver, so it still sees what is connected to. (httpx-aiohttp does the same wiring,
but maps a refused connection or a DNS failure to a connect *timeout*, which our retry and error
messages must tell apart.) Sync clients (Celery tasks) keep httpx's pool.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
import httpcore
import httpx
from yarl import URL

from config.loops import PerLoop

USER_AGENT = "Switchboard/1.0"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
# The hot path keeps connections open between requests: a new TCP (and TLS) handshake per call
# would cost more than the gateway's whole latency budget.
POOL_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30.0)

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
    """The destination resolves to an address that user-supplied URLs may not reach."""


def is_public_address(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for globally routable unicast addresses."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0] if isinstance(ip, str) else ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 reaches 127.0.0.1; judge the embedded IPv4 address.
        if addr.ipv4_mapped is not None:
            return is_public_address(addr.ipv4_mapped)
        if addr in _NAT64:  # a NAT64 gateway would forward to the embedded IPv4 address
            return is_public_address(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
        if addr.sixtofour is not None or addr.teredo is not None:
            return False  # tunnels can carry a private IPv4 destination
    if addr in _CGNAT:
        return False
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    )


def _check_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    checked = list(dict.fromkeys(addresses))
    if not checked:
        raise BlockedAddress(f"{host} did not resolve")
    for address in checked:
        if not is_public_address(address):
            raise BlockedAddress(f"{host} resolves to {address}, which is not a public address")
    return checked


def _literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def _resolve_sync(host: str, port: int) -> list[str]:
    literal = _literal_ip(host)
    if literal:
        return [literal]
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class GuardedSyncBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _check_addresses(host, _resolve_sync(host, port))
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise BlockedAddress("unix sockets are not allowed")


class _GuardedResolver(aiohttp.abc.AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to a non-public address."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
        found = await self._inner.resolve(host, port, family)
        _check_addresses(host, [entry["host"] for entry in found])
        return found

    async def close(self) -> None:
        await self._inner.close()


def _translated(exc: aiohttp.ClientError, request: httpx.Request) -> httpx.TransportError:
    """aiohttp's errors as the httpx errors the adapters classify (providers.errors.transport_error)."""
    kind: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.ServerTimeoutError):
        kind = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientOSError):
        kind = httpx.ReadError
    elif isinstance(exc, aiohttp.InvalidURL):
        kind = httpx.UnsupportedProtocol
    else:
        kind = httpx.TransportError
    return kind(str(exc) or exc.__class__.__name__, request=request)


class _AiohttpBody(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():  # each piece as it arrives
                yield chunk
        except aiohttp.ClientError as exc:
            raise _translated(exc, self._request) from exc

    async def aclose(self) -> None:
        # Read to the end: the connection goes back to the pool. Abandoned mid-body (a client
        # that left a stream): the connection is closed, which tells the upstream to stop.
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()
            await asyncio.sleep(0)  # the socket closes on the loop's next turn; let it go now


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent by one aiohttp session (created in, and bound to, the running loop)."""

    def __init__(self, *, guarded: bool, limits: httpx.Limits = POOL_LIMITS) -> None:
        self._guarded = guarded
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry or 15.0,
            ssl=httpx.create_ssl_context(),
            resolver=_GuardedResolver() if self._guarded else None,
        )
        return aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._guarded and (literal := _literal_ip(request.url.host)):
            _check_addresses(request.url.host, [literal])  # aiohttp connects to IP literals unresolved
        if self._session is None or self._session.closed:
            self._session = self._open_session()
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        try:
            response = await self._session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,  # httpx follows redirects itself, through this transport
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        except aiohttp.ClientError as exc:
            raise _translated(exc, request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_AiohttpBody(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _guarded_sync_transport() -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False, limits=POOL_LIMITS)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=POOL_LIMITS.max_connections,
        max_keepalive_connections=POOL_LIMITS.max_keepalive_connections,
        keepalive_expiry=POOL_LIMITS.keepalive_expiry,
        network_backend=GuardedSyncBackend(),
    )
    return transport


class UpstreamClient(httpx.AsyncClient):
    """httpx's AsyncClient on our transport, which it keeps at hand for `send_whole`."""

    def __init__(self, *, transport: AiohttpTransport, **kwargs: Any) -> None:
        super().__init__(transport=transport, **kwargs)
        self.upstream_transport = transport


async def send_whole(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    timeout: httpx.Timeout,  # noqa: ASYNC109  (httpx's per-request timeouts, as in client.request)
    json: Any = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    """One request whose response is read to the end before returning.

    On our own clients the built request goes straight to the transport: httpx's send layers (auth
    flow, redirect loop, cookie jar) have nothing to do for a provider call, which never follows
    redirects or authenticates but by header, and they cost about 0.2 ms of CPU per call. Skipping
    the cookie jar also means a cookie one provider response sets is never replayed on the shared
    client's later calls.
    """
    transport = getattr(client, "upstream_transport", None)
    if transport is None:  # a client given by a caller (tests): the full path
        return await client.request(method, url, json=json, params=params, headers=headers, timeout=timeout)
    request = client.build_request(method, url, json=json, params=params, headers=headers, timeout=timeout)
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


def async_client(
    *, allow_private: bool, timeout: httpx.Timeout | None = None, follow_redirects: bool = False
) -> httpx.AsyncClient:
    """A new AsyncClient. With allow_private=False every connection is address-checked."""
    return UpstreamClient(
        transport=AiohttpTransport(guarded=not allow_private),
        timeout=timeout or DEFAULT_TIMEOUT,
        follow_redirects=follow_redirects,
        headers={"User-Agent": USER_AGENT},
        limits=POOL_LIMITS,
        trust_env=False,
    )


def sync_client(
    *, allow_private: bool, timeout: httpx.Timeout | None = None, follow_redirects: bool = False
) -> httpx.Client:
    transport = None if allow_private else _guarded_sync_transport()
    return httpx.Client(
        transport=transport,
        timeout=timeout or DEFAULT_TIMEOUT,
        follow_redirects=follow_redirects,
        headers={"User-Agent": USER_AGENT},
        limits=POOL_LIMITS,
        trust_env=False,
    )


# One pooled client per (event loop, allow_private): a client's connections belong to the loop
# that opened them. Each closes with its loop (config.loops).
_shared = {
    allow_private: PerLoop(
        make=lambda allow_private=allow_private: async_client(allow_private=allow_private),
        close=lambda client: client.aclose(),
        usable=lambda client: not client.is_closed,
    )
    for allow_private in (False, True)
}


def shared_async_client(*, allow_private: bool) -> httpx.AsyncClient:
    return _shared[allow_private].get()


async def close_shared_clients() -> None:
    """Close this loop's shared clients now (server shutdown, the end of an async test)."""
    for clients in _shared.values():
        await clients.close()


def timeout_for(connect: float, read: float) -> httpx.Timeout:
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
