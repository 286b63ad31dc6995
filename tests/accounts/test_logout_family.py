"""Logout ends every refresh token of that login (its token family), whether or not the body names one.

Clients written to the product spec send `POST /api/auth/logout` with only the access token.
"""

import pytest
from rest_framework.test import APIClient

from tests.accounts.test_auth_api import bearer

pytestmark = pytest.mark.django_db


def _refresh(refresh: str):
    return APIClient().post("/api/auth/refresh", {"refresh": refresh}, format="json")


def _rotate_twice(tokens: dict) -> list[dict]:
    chain = [tokens]
    for _ in range(2):
        response = _refresh(chain[-1]["refresh"])
        assert response.status_code == 200, response.content
        chain.append(response.json()["data"])
    return chain


def test_logout_without_a_body_ends_every_refresh_token_of_the_login(alice, jwt_for):
    chain = _rotate_twice(jwt_for(alice))
    other_login = jwt_for(alice)

    response = bearer(chain[-1]["token"]).post("/api/auth/logout")
    assert response.status_code == 200 and response.json()["message"] == "Logout successful"

    for tokens in chain:
        refused = _refresh(tokens["refresh"])
        assert refused.status_code == 401, tokens
        assert refused.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    assert bearer(chain[-1]["token"]).get("/api/auth/me").status_code == 401
    # The same user's other login is a different family: untouched.
    assert bearer(other_login["token"]).get("/api/auth/me").status_code == 200
    assert _refresh(other_login["refresh"]).status_code == 200


def test_logout_with_an_access_token_from_earlier_in_the_family_still_ends_the_latest_refresh(alice, jwt_for):
    chain = _rotate_twice(jwt_for(alice))
    assert bearer(chain[1]["token"]).post("/api/auth/logout").status_code == 200
    assert _refresh(chain[-1]["refresh"]).status_code == 401


def test_logout_naming_a_refresh_token_ends_its_whole_family(alice, jwt_for):
    chain = _rotate_twice(jwt_for(alice))
    first_login = chain[0]
    # Logged out from a second login, naming the first login's oldest (already rotated) refresh token.
    second = jwt_for(alice)
    response = bearer(second["token"]).post("/api/auth/logout", {"refresh": first_login["refresh"]}, format="json")
    assert response.status_code == 200
    assert _refresh(chain[-1]["refresh"]).status_code == 401


def test_logout_cannot_end_another_users_family(alice, bob, jwt_for):
    alices = jwt_for(alice)
    bobs = jwt_for(bob)
    assert (
        bearer(bobs["token"]).post("/api/auth/logout", {"refresh": alices["refresh"]}, format="json").status_code == 200
    )
    assert _refresh(alices["refresh"]).status_code == 200


def test_a_rotated_refresh_token_carries_its_login_forward(alice, jwt_for):
    chain = _rotate_twice(jwt_for(alice))
    assert bearer(chain[-1]["token"]).get("/api/auth/me").status_code == 200
