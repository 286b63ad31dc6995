"""`/u/<username>`: a public page for those who opted in (display name, avatar, bio, links), nothing
private, and 404 for everyone else. Edited from the settings page's profile form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import user_suspend
from tests.accounts import images

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def public_alice(alice):
    alice.public_profile = True
    alice.display_name = "Alice Liddell"
    alice.bio = "Builds <b>things</b> & tests them."
    alice.website = "https://alice.example"
    alice.github = "alice-gh"
    alice.monthly_budget_usd = 12
    alice.save()
    return alice


def test_an_opted_in_profile_shows_name_bio_and_links_but_nothing_private(client, public_alice):
    response = client.get("/u/alice")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Liddell" in page and "@alice" in page
    assert "Builds &lt;b&gt;things&lt;/b&gt; &amp; tests them." in page  # escaped, never markup
    assert 'href="https://alice.example"' in page and 'href="https://github.com/alice-gh"' in page
    assert 'rel="nofollow ugc noopener"' in page
    for private in ("alice@example.com", "free", "budget", "12.00"):
        assert private not in page, private


def test_the_username_is_found_whatever_its_case(client, public_alice):
    assert client.get("/u/ALICE").status_code == 200


def test_a_profile_not_opted_in_is_not_found(client, alice):
    assert client.get("/u/alice").status_code == 404


def test_a_suspended_or_unknown_user_is_not_found(client, public_alice):
    assert client.get("/u/nobody").status_code == 404
    user_suspend(user=public_alice)
    assert client.get("/u/alice").status_code == 404


def test_the_avatar_shows_on_the_page_with_a_text_alternative(client, public_alice, alice_api):
    upload = SimpleUploadedFile("me.png", images.image_bytes("PNG"))
    alice_api.patch("/api/users/profile", {"avatar": upload}, format="multipart")
    public_alice.refresh_from_db()
    page = client.get("/u/alice").content.decode()
    assert f'src="{public_alice.avatar.name.replace("avatars/", "/avatars/")}"' in page
    assert 'alt="Alice Liddell"' in page


def test_the_settings_page_edits_the_profile_and_avatar(client, alice):
    client.force_login(alice)
    page = client.get("/settings/").content.decode()
    assert 'action="/settings/profile"' in page and 'enctype="multipart/form-data"' in page
    form = {
        "display_name": "Alice L.",
        "bio": "Hello",
        "website": "",
        "github": "",
        "twitter": "alice_t",
        "public_profile": "on",
        "avatar": SimpleUploadedFile("me.jpg", images.jpeg_with_exif()),
    }
    response = client.post("/settings/profile", form)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.twitter, alice.public_profile) == (
        "Alice L.",
        "Hello",
        "alice_t",
        True,
    )
    assert alice.avatar.name.endswith(".webp")
    page = client.get("/settings/").content.decode()
    assert "Profile saved." in page and 'href="/u/alice"' in page
    assert client.get("/u/alice").status_code == 200


def test_the_settings_form_reports_bad_input_and_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        "/settings/profile",
        {"display_name": "A", "github": "not/valid", "avatar": SimpleUploadedFile("x.png", b"nope")},
        follow=True,
    )
    page = response.content.decode()
    assert "GitHub" in page and "Avatar" in page
    alice.refresh_from_db()
    assert alice.display_name == "" and not alice.avatar


def test_an_unticked_box_turns_the_public_page_off_and_remove_drops_the_avatar(client, public_alice):
    client.force_login(public_alice)
    client.post(
        "/settings/profile", {"display_name": "A", "avatar": SimpleUploadedFile("a.png", images.image_bytes("PNG"))}
    )
    public_alice.refresh_from_db()
    assert public_alice.avatar
    client.post("/settings/profile", {"display_name": "A", "remove_avatar": "on"})
    public_alice.refresh_from_db()
    assert not public_alice.public_profile and not public_alice.avatar
    assert client.get("/u/alice").status_code == 404


def test_the_settings_form_needs_a_signed_in_user(client, alice):
    response = client.post("/settings/profile", {"display_name": "Mallory"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    alice.refresh_from_db()
    assert alice.display_name == ""
