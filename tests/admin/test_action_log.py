"""Every admin action (each bulk action of every model admin) leaves a line in the action log, naming
who did what to which row. A new action without a row in ACTIONS below fails the first test."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from accounts.roles import user_set_role
from arena.models import PoolEntry, Vote
from arena.services import battle_start
from tests.arena.conftest import finish
from tests.factories import (
    AIModelFactory,
    FlagFactory,
    GenerationFactory,
    ModerationRuleFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _provider(fake_upstream):
    return ProviderFactory(adapter_kind="openai", base_url=fake_upstream.base_url("openai"), api_key="sk-test")


def _unverified_address(_):
    from allauth.account.models import EmailAddress

    user = UserFactory()
    return EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)


def _vote(_):
    provider = ProviderFactory(slug="pool")
    for name in ("alpha", "beta"):
        PoolEntry.objects.create(model=AIModelFactory(provider=provider, upstream_id=name))
    voter = UserFactory()
    battle, pending = battle_start(user=voter, prompt="Say something", count=2)
    finish(pending)
    return Vote.objects.create(battle=battle, user=voter, choice="a")


# A row each action has something to do to (an action that changes nothing need not log anything).
MAKERS = {
    "catalog.provider": _provider,
    "catalog.aimodel": lambda _: AIModelFactory(),
    "accounts.user": lambda _: UserFactory(),
    "account.emailaddress": _unverified_address,
    "usage.generation": lambda _: GenerationFactory(),
    "playground.flag": lambda _: FlagFactory(),
    "playground.moderationrule": lambda _: ModerationRuleFactory(),
    "arena.vote": _vote,
}
# Actions that ask for a confirmation first: what the confirmation page posts back.
CONFIRMATIONS = {"void": {"apply": "1", "reason": "Votes from a script"}}
STATES = {
    "reactivate": {"status": "suspended"},
    "remove_avatars": {"avatar": "avatars/someone.webp"},
    "unhide": {"hidden": True},
}


def _actions() -> list[tuple[str, str]]:
    found = []
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or []:
            name = action if isinstance(action, str) else action.__name__
            found.append((model._meta.label_lower, name))
    return sorted(found)


ACTIONS = _actions()


def test_every_action_has_a_row_to_act_on():
    assert {model for model, _ in ACTIONS} <= set(MAKERS)


@pytest.mark.parametrize(("model", "action"), ACTIONS)
def test_the_action_is_written_to_the_action_log(client, alice, fake_upstream, model, action):
    staff = user_set_role(user=alice, role="admin")
    client.force_login(staff)
    row = MAKERS[model](fake_upstream)
    if action in STATES:
        type(row).objects.filter(pk=row.pk).update(**STATES[action])
    app_label, model_name = model.split(".")

    response = client.post(
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        {"action": action, "_selected_action": [row.pk], **CONFIRMATIONS.get(action, {})},
    )

    assert response.status_code in (200, 302)
    entry = LogEntry.objects.filter(object_id=str(row.pk), content_type__model=model_name).last()
    assert entry is not None, f"{model} {action} wrote nothing to the action log"
    assert entry.user == staff and entry.get_change_message()
