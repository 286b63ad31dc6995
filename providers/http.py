"""The one outbound HTTP module: every request to a provider or a webhook receiver goes through here.

Why a custom network backend: checking a URL's hostname before the request is not enough, because
DNS can answer differently a moment later (rebinding). Here the hostname is resolved by us, every
address is checked, and the socket is opened to the checked address itself, so what was checked is
what gets connected. TLS still verifies the certificate against the hostname (httpcore passes the
origin host as SNI), so connecting by IP does not weaken HTTPS.

Proxies from the environment are ignored (trust_env=False): a proxy would connect on our behalf and
bypass the address check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import weakref
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

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


async def _resolve_async(host: str, port: int) -> list[str]:
    literal = _literal_ip(host)
    if literal:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _resolve_sync(host: str, port: int) -> list[str]:
    literal = _literal_ip(host)
    if literal:
        return [literal]
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to a checked IP."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(  # httpcore's interface, hence the timeout argument
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = _check_addresses(host, await _resolve_async(host, port))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:  # noqa: ASYNC109
        raise BlockedAddress("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


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


def _guarded_async_transport() -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(trust_env=False, limits=POOL_LIMITS)
    # httpx has no public hook for the network backend, so the pool is rebuilt with ours.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=POOL_LIMITS.max_connections,
        max_keepalive_connections=POOL_LIMITS.max_keepalive_connections,
        keepalive_expiry=POOL_LIMITS.keepalive_expiry,
        network_backend=GuardedAsyncBackend(),
    )
    return transport


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


def async_client(
    *, allow_private: bool, timeout: httpx.Timeout | None = None, follow_redirects: bool = False
) -> httpx.AsyncClient:
    """A new AsyncClient. With allow_private=False every connection is address-checked."""
    transport = None if allow_private else _guarded_async_transport()
    return httpx.AsyncClient(
        transport=transport,
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


# One pooled client per (event loop, allow_private). A client's connections belong to the loop
# that opened them, so sharing across loops would break; the weak key drops it with the loop.
_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[bool, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


def shared_async_client(*, allow_private: bool) -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    clients = _shared.setdefault(loop, {})
    client = clients.get(allow_private)
    if client is None or client.is_closed:
        client = clients[allow_private] = async_client(allow_private=allow_private)
    return client


async def close_shared_clients() -> None:
    """Close this loop's shared clients (call on shutdown, or at the end of an async test)."""
    clients = _shared.pop(asyncio.get_running_loop(), {})
    for client in clients.values():
        await client.aclose()


def timeout_for(connect: float, read: float) -> httpx.Timeout:
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
