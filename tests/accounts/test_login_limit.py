"""The per-account login limit counts the account, not the spelling: padding or case buys no attempts."""

import pytest

pytestmark = pytest.mark.django_db

PER_ACCOUNT = 5  # attempts a minute on one account (the per-address limit is 10)

SPELLINGS = [
    "alice@example.com",
    " alice@example.com",
    "alice@example.com ",
    "\talice@example.com\n",
    "ALICE@example.com",
    "Alice@Example.Com",
    "  ALICE@EXAMPLE.COM  ",
    "alice@EXAMPLE.com",
]


def _attempts(api, count: int, *, rotate_ips: bool, password: str = "Wrong-pass1") -> list[int]:
    statuses = []
    for i in range(count):
        email = SPELLINGS[i % len(SPELLINGS)]
        ip = f"10.0.{i // 250}.{i % 250 + 1}" if rotate_ips else "10.9.9.9"
        response = api.post("/api/auth/login", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)
        statuses.append(response.status_code)
    return statuses


def test_sixteen_differently_padded_and_cased_attempts_from_rotating_addresses_get_five_tries(api, alice):
    statuses = _attempts(api, 16, rotate_ips=True)
    assert statuses.count(401) == PER_ACCOUNT, statuses
    assert statuses == [401] * PER_ACCOUNT + [429] * (16 - PER_ACCOUNT)


def test_sixteen_padded_attempts_from_one_address_get_five_tries(api, alice):
    statuses = _attempts(api, 16, rotate_ips=False)
    assert statuses.count(401) == PER_ACCOUNT, statuses


def test_the_right_password_in_another_spelling_is_still_held_back(api, alice, password):
    _attempts(api, PER_ACCOUNT, rotate_ips=True)
    response = api.post(
        "/api/auth/login",
        {"email": "  ALICE@example.com ", "password": password},
        format="json",
        REMOTE_ADDR="10.8.8.8",
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"


def test_a_padded_email_with_the_right_password_signs_in(api, alice, password):
    response = api.post("/api/auth/login", {"email": "  Alice@Example.com\t", "password": password}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["user"]["email"] == "alice@example.com"


def test_another_account_is_not_held_back(api, alice, bob, password):
    _attempts(api, PER_ACCOUNT + 1, rotate_ips=True)
    response = api.post("/api/auth/login", {"email": "bob@example.com", "password": password}, format="json")
    assert response.status_code == 200
