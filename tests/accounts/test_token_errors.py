"""A bad or expired JWT says so, in the envelope, as an authentication error."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import INVALID_TOKEN
from tests.accounts.test_auth_api import bearer

pytestmark = pytest.mark.django_db


def _assert_token_refused(response) -> None:
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert error["code"] == "AUTHENTICATION_ERROR"
    assert error["message"] == INVALID_TOKEN


def test_a_malformed_jwt_is_called_invalid_or_expired(alice):
    _assert_token_refused(bearer("not-a-jwt").get("/api/auth/me"))


def test_a_forged_signature_is_called_invalid_or_expired(alice):
    _assert_token_refused(bearer("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.forged").get("/api/auth/me"))


def test_an_expired_jwt_is_called_invalid_or_expired(alice):
    token = AccessToken.for_user(alice)
    token.set_exp(lifetime=-timedelta(minutes=1))
    _assert_token_refused(bearer(str(token)).get("/api/v1/api-keys"))


def test_a_field_error_is_still_described_as_one(alice_api):
    response = alice_api.post("/api/v1/api-keys", {"name": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Some fields are invalid."
