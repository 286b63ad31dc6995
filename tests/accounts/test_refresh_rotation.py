"""One use of a refresh token yields exactly one new pair, however many callers race with it."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.accounts.test_auth_api import bearer

RACERS = 10


def _race(refresh: str) -> list:
    """Ten clients present the same refresh token at the same instant, each on its own connection."""
    start = threading.Barrier(RACERS)

    def use_it(_: int):
        try:
            start.wait()
            return APIClient().post("/api/auth/refresh", {"refresh": refresh}, format="json")
        finally:
            connection.close()

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(use_it, range(RACERS)))


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_uses_of_one_refresh_token_yield_exactly_one_new_pair(alice, jwt_for):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (CI always has it)")
    tokens = jwt_for(alice)
    responses = _race(tokens["refresh"])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * (RACERS - 1), statuses
    for refused in (r for r in responses if r.status_code == 401):
        assert refused.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    winner = next(r for r in responses if r.status_code == 200).json()["data"]
    assert bearer(winner["token"]).get("/api/auth/me").status_code == 200
    # The one new refresh token is itself good for exactly one more rotation.
    assert APIClient().post("/api/auth/refresh", {"refresh": winner["refresh"]}, format="json").status_code == 200
    assert BlacklistedToken.objects.filter(token__user=alice).count() == 2


@pytest.mark.django_db
def test_a_refresh_token_is_refused_the_second_time(api, alice, jwt_for):
    tokens = jwt_for(alice)
    assert api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 200
    again = api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "AUTHENTICATION_ERROR"
