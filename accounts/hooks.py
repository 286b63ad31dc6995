"""Extension points other apps fill in (kept here so accounts imports no other app at load time)."""

from collections.abc import Callable
from typing import Any

from accounts.models import User

_me_extras: list[Callable[[User], dict[str, Any]]] = []


def register_me_extra(fn: Callable[[User], dict[str, Any]]) -> Callable[[User], dict[str, Any]]:
    _me_extras.append(fn)
    return fn


def me_extras(user: User) -> dict[str, Any]:
    extras: dict[str, Any] = {"quota": None, "api_keys": []}
    for fn in _me_extras:
        extras.update(fn(user))
    return extras


_signup_checks: list[Callable[[], bool]] = []


def register_signup_check(fn: Callable[[], bool]) -> Callable[[], bool]:
    """A system setting can close sign-up; checks registered here all must allow it."""
    _signup_checks.append(fn)
    return fn


def signup_open() -> bool:
    return all(check() for check in _signup_checks)
