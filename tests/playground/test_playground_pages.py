"""History, sharing, export and the signed-in pages: owner, another user and anonymous on each."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from playground.models import Conversation
from usage.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(alice):
    c = Conversation.objects.create(owner=alice, title="Rivers of Europe", models=["demo/swift"])
    Generation.objects.create(
        conversation=c, user=alice, turn=0, requested_model="demo/swift", model_slug="demo/swift",
        input_messages=[{"role": "user", "content": "Name a long river"}], content="The **Danube**.",
        prompt_tokens=5, completion_tokens=3, total_tokens=8, cost=Decimal("0.00001234"), status="success",
        ip="10.1.2.3", door="playground",
    )  # fmt: skip
    return c


OWNER_URLS = [
    ("get", "playground:conversation"),
    ("get", "playground:share"),
    ("post", "playground:rename"),
    ("post", "playground:delete"),
]


@pytest.mark.parametrize(("method", "name"), OWNER_URLS)
def test_other_users_get_404_and_anonymous_are_sent_to_sign_in(client, bob, conversation, method, name):
    url = reverse(name, args=[conversation.pk])
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(bob)
    assert getattr(client, method)(url, {"title": "mine now"}).status_code == 404
    assert Conversation.objects.filter(pk=conversation.pk, title="Rivers of Europe").exists()


def test_owner_sees_the_conversation_rendered_with_metrics(client, alice, conversation):
    client.force_login(alice)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Name a long river" in page
    assert "<strong>Danube</strong>" in page  # markdown rendered on the server
    assert "5 in / 3 out" in page and "$0.000012" in page


def test_history_is_newest_first_and_searchable(client, alice, conversation):
    Conversation.objects.create(owner=alice, title="Baking bread")
    client.force_login(alice)
    page = client.get(reverse("playground:history")).content.decode()
    assert page.index("Baking bread") < page.index("Rivers of Europe")
    found = client.get(reverse("playground:history"), {"q": "Danube"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Rivers of Europe" in found and "Baking bread" not in found
    assert "<html" not in found  # htmx gets the results partial only


def test_rename_and_delete(client, alice, conversation):
    client.force_login(alice)
    client.post(reverse("playground:rename", args=[conversation.pk]), {"title": "Long rivers"})
    conversation.refresh_from_db()
    assert conversation.title == "Long rivers"
    client.post(reverse("playground:delete", args=[conversation.pk]))
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Generation.objects.filter(conversation_id=conversation.pk).exists()


def test_shared_link_is_read_only_public_and_revocable(client, alice, conversation):
    client.force_login(alice)
    client.post(reverse("playground:share", args=[conversation.pk]), {"action": "share"})
    conversation.refresh_from_db()
    link = conversation.share_url
    client.logout()
    page = client.get(link).content.decode()
    assert "Danube" in page
    assert "alice@example.com" not in page and "10.1.2.3" not in page
    assert "$0.0000" not in page  # cost hidden unless the owner chooses
    assert 'name="prompt"' not in page  # no composer: read-only
    client.force_login(alice)
    client.post(reverse("playground:share", args=[conversation.pk]), {"action": "revoke"})
    client.logout()
    assert client.get(link).status_code == 404


def test_owner_can_choose_to_show_cost_on_the_shared_page(client, alice, conversation):
    client.force_login(alice)
    client.post(reverse("playground:share", args=[conversation.pk]), {"action": "share", "show_cost": "on"})
    conversation.refresh_from_db()
    client.logout()
    assert "$0.000012" in client.get(conversation.share_url).content.decode()


def test_export_markdown_and_json(client, alice, bob, conversation):
    client.force_login(alice)
    md = client.get(reverse("playground:export", args=[conversation.pk, "md"]))
    assert md["Content-Disposition"].endswith('.md"')
    assert "# Rivers of Europe" in md.content.decode() and "The **Danube**." in md.content.decode()
    data = json.loads(client.get(reverse("playground:export", args=[conversation.pk, "json"])).content)
    assert data["turns"][0]["prompt"] == "Name a long river"
    assert data["turns"][0]["answers"][0]["model"] == "demo/swift"
    client.force_login(bob)
    assert client.get(reverse("playground:export", args=[conversation.pk, "json"])).status_code == 404


def test_export_csv_has_one_row_per_answer_and_is_the_owners_alone(client, alice, bob, conversation):
    import csv
    import io

    client.force_login(alice)
    page = client.get(reverse("playground:conversation", args=[conversation.pk]))
    url = reverse("playground:export", args=[conversation.pk, "csv"])
    assert f'href="{url}"'.encode() in page.content

    response = client.get(url)

    assert response["Content-Disposition"] == 'attachment; filename="rivers-of-europe.csv"'
    [row] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert (row["prompt"], row["output"], row["model"], row["cost"]) == (
        "Name a long river", "The **Danube**.", "demo/swift", "0.00001234"
    )  # fmt: skip
    client.force_login(bob)
    assert client.get(url).status_code == 404


def test_view_code_uses_the_current_request_and_a_placeholder_key(client, alice):
    client.force_login(alice)
    html = client.get(
        reverse("playground:code"), {"models": ["demo/swift"], "prompt": "Hi there", "temperature": "0.2"}
    ).content.decode()
    assert "sk_live_YOUR_KEY" in html
    assert "Hi there" in html and "temperature" in html
    assert "from openai import OpenAI" in html and "fetch(" in html and "curl" in html


def test_presets_save_apply_and_built_ins(client, alice, bob):
    client.force_login(alice)
    page = client.get(reverse("playground:index")).content.decode()
    assert "Precise" in page and "Creative" in page  # built-in presets
    client.post(reverse("playground:preset-save"), {"preset_name": "Terse", "temperature": "0.1", "max_tokens": "64"})
    from playground.models import Preset

    mine = Preset.objects.get(user=alice, name="Terse")
    assert mine.params == {"temperature": 0.1, "max_tokens": 64}
    applied = client.get(reverse("playground:preset-apply"), {"preset": mine.pk}).content.decode()
    assert 'value="0.1"' in applied
    client.force_login(bob)
    assert 'value="0.1"' not in client.get(reverse("playground:preset-apply"), {"preset": mine.pk}).content.decode()


def test_generation_render_is_owner_only(client, alice, bob, conversation):
    generation = conversation.generations.get()
    client.force_login(bob)
    assert client.get(reverse("playground:render", args=[generation.pk])).status_code == 404
    client.force_login(alice)
    assert b"<strong>Danube</strong>" in client.get(reverse("playground:render", args=[generation.pk])).content
