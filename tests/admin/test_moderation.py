"""Moderators flag, hide and decide; rules flag generations as they are recorded; hidden answers leave share pages."""

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from catalog.models import AdapterKind
from playground.generation import GenerationInput, generation_run
from playground.models import Flag, FlagSource, FlagState
from tests.factories import (
    AIModelFactory,
    FlagFactory,
    GenerationFactory,
    ModerationRuleFactory,
    ProviderFactory,
)
from usage.models import Generation

pytestmark = pytest.mark.django_db


def _post_action(client, url_name: str, action: str, *objs):
    return client.post(reverse(url_name), {"action": action, "_selected_action": [o.pk for o in objs]}, follow=True)


@pytest.fixture
def demo_model(db):
    demo = ProviderFactory(slug="demo", adapter_kind=AdapterKind.DEMO)
    return AIModelFactory(provider=demo, upstream_id="swift", slug="demo/swift")


def _record(user, text: str) -> Generation:
    outcome, _ = async_to_sync(generation_run)(
        GenerationInput(user=user, model="demo/swift", messages=[{"role": "user", "content": text}])
    )
    return Generation.objects.get(pk=outcome.generation_id)


def test_moderator_sees_input_and_output_of_a_generation(client, moderator):
    generation = GenerationFactory(content="The answer is forty-two.")
    client.force_login(moderator)
    page = client.get(reverse("admin:usage_generation_change", args=[generation.pk])).content.decode()
    assert "The answer is forty-two." in page
    assert "Hello" in page  # the input message
    # The pages run under a CSP without inline styles: the prompt keeps its line breaks through a class.
    assert 'class="sb-text-block"' in page and "style=" not in page.split('id="content"')[1]


def test_moderator_filters_generations_by_status_and_user(client, moderator, alice, bob):
    GenerationFactory(user=alice, status="error")
    GenerationFactory(user=bob)
    client.force_login(moderator)
    url = reverse("admin:usage_generation_changelist")
    response = client.get(url, {"status__exact": "error", "user__id__exact": alice.pk})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("user_id", flat=True)) == [alice.pk]


def test_moderator_flags_and_hides_generations(client, moderator):
    to_flag, to_hide = GenerationFactory(), GenerationFactory()
    client.force_login(moderator)
    _post_action(client, "admin:usage_generation_changelist", "flag", to_flag)
    _post_action(client, "admin:usage_generation_changelist", "hide", to_hide)
    assert Flag.objects.get(generation=to_flag).source == FlagSource.MANUAL
    to_flag.refresh_from_db()
    to_hide.refresh_from_db()
    assert (to_flag.hidden, to_hide.hidden) == (False, True)


def test_moderator_decides_a_queue_item_with_a_note(client, moderator):
    flag = FlagFactory()
    client.force_login(moderator)
    assert flag.reason.encode() in client.get(reverse("admin:playground_flag_changelist")).content
    response = client.post(
        reverse("admin:playground_flag_change", args=[flag.pk]), {"state": "actioned", "note": "Spam, hidden."}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.state, flag.note, flag.decided_by) == (FlagState.ACTIONED, "Spam, hidden.", moderator)
    assert flag.decided_at is not None
    assert Generation.objects.get(pk=flag.generation_id).hidden


def test_dismissing_the_last_flag_unhides_the_generation(client, moderator):
    generation = GenerationFactory(hidden=True)
    flag = FlagFactory(generation=generation)
    client.force_login(moderator)
    _post_action(client, "admin:playground_flag_changelist", "dismiss", flag)
    generation.refresh_from_db()
    assert not generation.hidden
    assert Flag.objects.get(pk=flag.pk).state == FlagState.DISMISSED


@pytest.mark.parametrize(
    "url",
    [
        "admin:catalog_aimodel_add",
        "admin:catalog_provider_add",
        "admin:usage_systemsetting_changelist",
        "admin:playground_moderationrule_changelist",
        "admin:catalog_aimodel_import",
    ],
)
def test_moderator_cannot_edit_catalog_settings_or_rules(client, moderator, url):
    client.force_login(moderator)
    assert client.get(reverse(url)).status_code == 403


def test_moderator_cannot_delete_generations_or_flags(client, moderator):
    generation = GenerationFactory()
    flag = FlagFactory(generation=generation)
    client.force_login(moderator)
    assert client.get(reverse("admin:usage_generation_delete", args=[generation.pk])).status_code == 403
    assert client.get(reverse("admin:playground_flag_delete", args=[flag.pk])).status_code == 403
    _post_action(client, "admin:usage_generation_changelist", "delete_selected", generation)
    assert Generation.objects.filter(pk=generation.pk).exists()


def test_moderator_cannot_change_a_generation(client, moderator):
    generation = GenerationFactory(content="original")
    client.force_login(moderator)
    client.post(reverse("admin:usage_generation_change", args=[generation.pk]), {"content": "edited"})
    generation.refresh_from_db()
    assert generation.content == "original"


def test_regular_user_gets_no_moderation_pages(client, alice):
    client.force_login(alice)
    for name in ("admin:usage_generation_changelist", "admin:playground_flag_changelist", "admin-analytics"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_keyword_rule_flags_a_generation_recorded_through_the_service(alice, demo_model):
    ModerationRuleFactory(name="no secrets", kind="keyword", pattern="launch codes")
    clean = _record(alice, "Tell me about rivers.")
    flagged = _record(alice, "What are the LAUNCH CODES?")
    assert not clean.flags.exists()
    flag = flagged.flags.get()
    assert (flag.source, flag.state, flag.rule.name) == (FlagSource.RULE, FlagState.OPEN, "no secrets")
    assert not flagged.hidden


def test_a_regex_rule_with_hide_hides_the_generation(alice, demo_model):
    ModerationRuleFactory(kind="regex", pattern=r"\b\d{3}-\d{2}-\d{4}\b", action="hide")
    generation = _record(alice, "My number is 123-45-6789")
    generation.refresh_from_db()
    assert generation.hidden and generation.flags.count() == 1


def test_a_rule_saved_in_the_admin_applies_to_the_next_generation(client, administrator, alice, demo_model):
    _record(alice, "warm the rule cache with no rules")
    client.force_login(administrator)
    response = client.post(
        reverse("admin:playground_moderationrule_add"),
        {"name": "banned", "kind": "keyword", "pattern": "zebra", "action": "flag", "active": "on"},
    )
    assert response.status_code == 302
    assert _record(alice, "a zebra walks in").flags.exists()


def test_an_invalid_regex_is_refused_in_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:playground_moderationrule_add"),
        {"name": "broken", "kind": "regex", "pattern": "(unclosed", "action": "flag", "active": "on"},
    )
    assert response.status_code == 200
    assert "Not a valid regular expression" in response.content.decode()


def test_hidden_generation_is_left_off_the_share_page_but_owner_still_sees_it(client, alice):
    from playground.models import Conversation

    conversation = Conversation.objects.create(owner=alice, title="shared")
    GenerationFactory(conversation=conversation, user=alice, content="visible answer", turn=0)
    GenerationFactory(conversation=conversation, user=alice, content="hidden answer", turn=1, hidden=True)
    conversation.share()
    page = client.get(conversation.share_url).content.decode()
    assert "visible answer" in page and "hidden answer" not in page
    client.force_login(alice)
    assert "hidden answer" in client.get(conversation.get_absolute_url()).content.decode()
