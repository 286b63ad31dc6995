"""`check --deploy` warns when the Redis holding the counters and the ledger queue would lose them."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from config import store
from tests.redis_server import caches_for, redis_server
from usage import checks


def _warnings(url: str) -> set[str]:
    with override_settings(CACHES=caches_for(url)):
        store.redis_client.cache_clear()
        try:
            return {m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("usage.")}
        finally:
            store.redis_client.cache_clear()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), {checks.NO_PERSISTENCE}),
        (("--save", "3600 1"), {checks.SNAPSHOTS_ONLY}),
        (("--appendonly", "yes"), set()),
    ],
)
def test_deploy_check_warns_when_redis_does_not_persist(options, expected):
    with redis_server(*options) as server:
        assert _warnings(server.url) == expected


def test_deploy_check_warns_when_redis_cannot_be_reached():
    with redis_server() as server:
        server.stop()
        assert _warnings(server.url) == {checks.UNREACHABLE}


def test_the_check_is_for_deployments_only():
    with redis_server() as server, override_settings(CACHES=caches_for(server.url)):
        store.redis_client.cache_clear()
        try:
            assert not [m for m in run_checks() if m.id.startswith("usage.")]
        finally:
            store.redis_client.cache_clear()
