"""Avatars: JPEG, PNG or WebP, size-limited, checked by Pillow, cropped to 256x256 and re-encoded so no
metadata survives, stored under a random name and served as image/webp."""

import io
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from accounts.models import User
from tests.accounts import images

pytestmark = pytest.mark.django_db

URL = "/api/users/profile"
STORED = re.compile(r"^avatars/[0-9a-f]{32}\.webp$")


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the request left for after its commit (old files are deleted only then)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _upload(client: APIClient, data: bytes, name: str = "me.jpg", **fields: object):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.patch(URL, {"avatar": upload, **fields}, format="multipart")


def _stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def _stored_image(user: User) -> tuple[Image.Image, bytes]:
    user.refresh_from_db()
    data = user.avatar.open("rb").read()
    return Image.open(io.BytesIO(data)), data


def test_a_jpeg_becomes_a_256px_webp_under_a_random_name_without_its_exif(alice, alice_api, media):
    response = _upload(alice_api, images.jpeg_with_exif())
    assert response.status_code == 200, response.content
    alice.refresh_from_db()
    assert STORED.match(alice.avatar.name) and "alice" not in alice.avatar.name
    image, data = _stored_image(alice)
    assert (image.format, image.size) == ("WEBP", (256, 256))
    assert not image.getexif() and not {"exif", "xmp", "icc_profile"} & set(image.info)
    assert b"SpyCam" not in data and b"Exif" not in data
    assert response.json()["data"]["image"].endswith(f"/avatars/{Path(alice.avatar.name).name}")
    assert _stored_files(media) == [media / alice.avatar.name]


def test_png_text_chunks_do_not_survive(alice, alice_api):
    assert _upload(alice_api, images.png_with_text(), "me.png").status_code == 200
    image, data = _stored_image(alice)
    assert b"Secret Lane" not in data and "Comment" not in image.info
    assert image.size == (256, 256)


def test_webp_is_accepted(alice, alice_api):
    assert _upload(alice_api, images.image_bytes("WEBP"), "me.webp").status_code == 200
    assert _stored_image(alice)[0].format == "WEBP"


def test_the_exif_orientation_is_applied_before_the_metadata_is_dropped(alice, alice_api):
    assert _upload(alice_api, images.jpeg_rotated_by_exif()).status_code == 200
    image = _stored_image(alice)[0].convert("RGB")
    top, bottom = image.getpixel((128, 20)), image.getpixel((128, 236))
    assert top[0] > 150 and top[2] < 100, top  # the red half, turned upright, is on top
    assert bottom[2] > 150 and bottom[0] < 100, bottom


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (images.image_bytes("GIF"), "me.gif"),
        (images.image_bytes("BMP"), "me.png"),
        (b"just some text, not an image at all", "me.png"),
        (images.image_bytes("JPEG")[:400], "truncated.jpg"),
        (b"", "empty.jpg"),
    ],
)
def test_what_is_not_a_jpeg_png_or_webp_image_is_refused_by_name(alice, alice_api, media, data, name):
    response = _upload(alice_api, data, name)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["details"]["avatar"]
    alice.refresh_from_db()
    assert not alice.avatar and _stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(alice, alice_api, media, settings):
    settings.AVATAR_MAX_BYTES = 20 * 1024
    response = _upload(alice_api, images.noise_png(120), "big.png")
    assert response.status_code == 400
    assert "20.0 KB" in response.json()["error"]["details"]["avatar"][0]
    assert _stored_files(media) == []


def test_an_image_of_too_many_pixels_is_refused_without_decoding_it(alice, alice_api, media):
    bomb = images.image_bytes("PNG", size=(9000, 9000), mode="1")  # 81 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    started = time.monotonic()
    response = _upload(alice_api, bomb, "bomb.png")
    assert response.status_code == 400
    assert "pixels" in response.json()["error"]["details"]["avatar"][0]
    assert time.monotonic() - started < 2
    assert _stored_files(media) == []


def test_a_bad_field_beside_the_avatar_stores_nothing(alice, alice_api, media):
    response = _upload(alice_api, images.image_bytes("JPEG"), website="not a url")
    assert response.status_code == 400 and "website" in response.json()["error"]["details"]
    alice.refresh_from_db()
    assert not alice.avatar and _stored_files(media) == []


def test_a_new_avatar_replaces_the_old_file_and_null_removes_it(alice, alice_api, media, committed):
    _upload(alice_api, images.image_bytes("JPEG"))
    alice.refresh_from_db()
    first = alice.avatar.name
    with committed():
        _upload(alice_api, images.image_bytes("PNG"), "me.png")
    alice.refresh_from_db()
    assert alice.avatar.name != first and _stored_files(media) == [media / alice.avatar.name]
    with committed():
        response = alice_api.patch(URL, {"avatar": None}, format="json")
    assert response.status_code == 200 and response.json()["data"]["image"] is None
    alice.refresh_from_db()
    assert not alice.avatar and _stored_files(media) == []


def test_the_avatar_is_served_as_webp_and_cached_for_good(alice, alice_api, client):
    image_url = _upload(alice_api, images.image_bytes("JPEG")).json()["data"]["image"]
    response = client.get(image_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    alice.refresh_from_db()
    assert response.content == alice.avatar.open("rb").read()


@pytest.mark.parametrize("name", ["0" * 32 + ".webp", "..%2F..%2Fsecret.webp", "abc.png"])
def test_unknown_or_odd_avatar_names_are_not_found(client, name):
    assert client.get(f"/avatars/{name}").status_code == 404


def test_only_a_signed_in_user_sets_their_own_avatar(alice, media):
    assert _upload(APIClient(), images.image_bytes("JPEG")).status_code == 401
    _, raw = api_key_create(user=alice, name="k", scopes=["ai:read", "ai:write", "usage:read"], expires_in_days=1)
    keyed = APIClient()
    keyed.credentials(HTTP_X_API_KEY=raw)
    assert _upload(keyed, images.image_bytes("JPEG")).status_code == 403
    assert _stored_files(media) == []


def test_the_avatar_shows_in_the_auth_profile_too(alice, alice_api):
    _upload(alice_api, images.image_bytes("JPEG"))
    profile = alice_api.get("/api/auth/me").json()["data"]["profile"]
    alice.refresh_from_db()
    assert profile["avatar"].endswith(Path(alice.avatar.name).name)


def test_deleting_the_account_deletes_the_avatar(alice, alice_api, media, password, committed):
    _upload(alice_api, images.image_bytes("JPEG"))
    assert _stored_files(media)
    with committed():
        response = alice_api.delete("/api/auth/account", {"password": password, "confirm": "DELETE"}, format="json")
    assert response.status_code == 200
    assert _stored_files(media) == []


def test_a_moderator_can_remove_an_avatar_from_the_admin_and_it_is_logged(client, alice, alice_api, media, committed):
    from django.contrib.admin.models import LogEntry

    from accounts.models import Role
    from accounts.roles import user_set_role
    from tests.factories import UserFactory

    moderator = user_set_role(user=UserFactory(username="mod1", email="mod1@example.com"), role=Role.MODERATOR)
    _upload(alice_api, images.image_bytes("JPEG"))
    client.force_login(moderator)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    alice.refresh_from_db()
    assert alice.avatar_url in page
    with committed():
        response = client.post(
            "/admin/accounts/user/", {"action": "remove_avatars", "_selected_action": [alice.pk]}, follow=True
        )
    assert "1 avatar(s) removed." in response.content.decode()
    alice.refresh_from_db()
    assert not alice.avatar and _stored_files(media) == []
    assert LogEntry.objects.filter(object_id=str(alice.pk), change_message="Avatar removed").exists()
