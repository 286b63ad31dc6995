"""Extension points other apps fill in (kept here so accounts imports no other app at load time)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


# Account export and deletion: each app contributes its part, so accounts imports none of them.


@dataclass(frozen=True)
class ExportSection:
    """A section too large for a list: how many items, and an iterator that reads them in chunks."""

    count: int
    rows: Iterable[Any]


_exporters: list[Callable[[User], dict[str, Any]]] = []
_erasers: list[Callable[[User], None]] = []


def register_account_exporter(fn: Callable[[User], dict[str, Any]]) -> Callable[[User], dict[str, Any]]:
    """`fn(user)` returns a dict of top-level export sections (e.g. {"conversations": [...]}), each a
    list or an `ExportSection`; the export job writes one JSON line per item."""
    _exporters.append(fn)
    return fn


def register_account_eraser(fn: Callable[[User], None]) -> Callable[[User], None]:
    """`fn(user)` removes or anonymises the app's personal data; runs inside the deletion transaction."""
    _erasers.append(fn)
    return fn


def export_sections(user: User) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for fn in _exporters:
        sections.update(fn(user))
    return sections


def erase_everywhere(user: User) -> None:
    for fn in _erasers:
        fn(user)


# The account settings page (accounts.views): other apps add their cards, and say which models a
# user may pick as the default, so accounts imports none of them.
SettingsCard = Callable[[Any], Any]  # fn(request) -> the card's HTML, or a response when it handled a POST
_settings_cards: list[SettingsCard] = []
_model_choices: list[Callable[[], list[tuple[str, str]]]] = []


def register_settings_card(fn: SettingsCard) -> SettingsCard:
    _settings_cards.append(fn)
    return fn


def settings_cards() -> list[SettingsCard]:
    return list(_settings_cards)


def register_default_model_choices(fn: Callable[[], list[tuple[str, str]]]) -> Callable[[], list[tuple[str, str]]]:
    """`fn()` returns (slug, name) pairs a user may choose as their default model."""
    _model_choices.append(fn)
    return fn


def default_model_choices() -> list[tuple[str, str]]:
    return [choice for fn in _model_choices for choice in fn()]
