"""Whether self-hosted servers (Ollama, providers an admin added) are answering.

A page never waits for a probe: it reads the last answer from the shared cache (one round trip for
every provider on the page), and when that answer is missing or older than a minute it starts a probe
on a background thread and shows what it knew. A lock in the shared cache lets only one process probe
a server at a time; the answer reaches every process through the cache.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import httpx
from django.core.cache import cache

from catalog.models import AdapterKind, Provider
from catalog.services import provider_config_for
from providers.http import BlockedAddress, sync_client

FRESH_SECONDS = 60
KEEP_SECONDS = 600  # a stale answer is still shown while a fresh one is on its way
PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Reachability:
    ok: bool
    checked_at: float
    detail: str = ""


@dataclass(frozen=True)
class _Target:
    key: str
    url: str
    allow_private: bool


def is_probed(provider: Provider) -> bool:
    """Servers that run on the operator's own machines: Ollama and admin-added providers."""
    return provider.adapter_kind == AdapterKind.OLLAMA or provider.is_custom


def _target(provider: Provider) -> _Target:
    config = provider_config_for(provider=provider)
    path = "/api/tags" if config.kind == AdapterKind.OLLAMA else "/models"
    digest = hashlib.sha1(config.base_url.encode(), usedforsecurity=False).hexdigest()[:12]
    return _Target(f"catalog:reach:{provider.pk}:{digest}", config.base_url + path, config.allow_private)


def _probe(target: _Target) -> Reachability:
    # Any HTTP answer, even 401 or 404, means the server is up; only silence or a refusal is "unreachable".
    try:
        with sync_client(allow_private=target.allow_private, timeout=httpx.Timeout(PROBE_TIMEOUT)) as client:
            client.get(target.url)
    except (httpx.HTTPError, BlockedAddress, OSError, ValueError) as exc:
        return Reachability(ok=False, checked_at=time.time(), detail=type(exc).__name__)
    return Reachability(ok=True, checked_at=time.time())


def _probe_and_store(target: _Target) -> Reachability:
    try:
        answer = _probe(target)
        cache.set(target.key, asdict(answer), KEEP_SECONDS)
        return answer
    finally:
        cache.delete(target.key + ":probing")


def probe_now(provider: Provider) -> Reachability:
    """Probe `provider` in this thread and store the answer (admin actions, tests, background refresh)."""
    return _probe_and_store(_target(provider))


def _probe_in_background(target: _Target) -> None:
    if not cache.add(target.key + ":probing", 1, int(PROBE_TIMEOUT) + 5):
        return  # another thread or process is already asking
    threading.Thread(target=_probe_and_store, args=(target,), name="reachability-probe", daemon=True).start()


def reachability(providers: Iterable[Provider]) -> dict[int, Reachability | None]:
    """The last known answer for each probed provider (None: not known yet), without ever waiting for one."""
    targets = {provider.pk: _target(provider) for provider in providers if is_probed(provider)}
    if not targets:
        return {}
    found = cache.get_many([t.key for t in targets.values()])
    now = time.time()
    answers: dict[int, Reachability | None] = {}
    for pk, target in targets.items():
        hit = found.get(target.key)
        answer = Reachability(**hit) if hit else None
        if answer is None or now - answer.checked_at > FRESH_SECONDS:
            _probe_in_background(target)
        answers[pk] = answer
    return answers
