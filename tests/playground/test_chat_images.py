"""Images sent as `data:` URIs: the upstream gets them as sent, the ledger row a reference to one stored
copy, which only the users who sent it can read back."""

import base64
import hashlib
import io
import json

import httpx
import pytest
from PIL import Image

from playground.models import ChatImage
from tests.ledger import flush_ledger
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def vision(make_model):
    return make_model("gpt-4o-mini", supports_vision=True)


def _png_bytes(size: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((size, size), 64).convert("RGB").save(buffer, format="PNG")  # noise: no compression
    return buffer.getvalue()


def _ask(server, key: str, model: str, url: str) -> httpx.Response:
    content = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": url}}]
    body = {"model": model, "messages": [{"role": "user", "content": content}]}
    return httpx.post(
        f"{server.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


def test_the_row_references_one_stored_copy(app_server, alice_key, vision, fake_upstream, media_root):
    data = _png_bytes()
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    assert _ask(app_server, alice_key, vision.slug, url).status_code == 200
    assert fake_upstream.last_body("openai", "gpt-4o-mini")["messages"][0]["content"][1]["image_url"]["url"] == url
    assert _ask(app_server, alice_key, vision.slug, url).status_code == 200
    flush_ledger()
    sha = hashlib.sha256(data).hexdigest()
    rows = list(Generation.objects.all())
    assert len(rows) == 2
    for row in rows:
        assert row.input_messages[0]["content"][1]["image_url"]["url"] == f"/api/v1/media/{sha}"
        assert len(json.dumps(row.input_messages)) < 500 < len(url)  # no base64 in the row
    stored = list((media_root / "chat-images").iterdir())
    assert [p.name for p in stored] == [f"{sha}.png"] and stored[0].read_bytes() == data
    assert ChatImage.objects.get().size == len(data)


def test_only_those_who_sent_an_image_can_read_it(app_server, alice_key, bob, key_for, vision):
    data = _png_bytes(20)
    sha = hashlib.sha256(data).hexdigest()
    assert _ask(app_server, alice_key, vision.slug, "data:image/png;base64," + base64.b64encode(data).decode())
    address = f"{app_server.url}/api/v1/media/{sha}"
    mine = httpx.get(address, headers={"X-API-Key": alice_key})
    assert mine.status_code == 200 and mine.content == data and mine.headers["Content-Type"] == "image/png"
    assert httpx.get(address, headers={"X-API-Key": key_for(bob)}).status_code == 404
    assert httpx.get(address).status_code == 401
    assert httpx.get(f"{app_server.url}/api/v1/media/{'0' * 64}", headers={"X-API-Key": alice_key}).status_code == 404


def test_a_data_uri_that_is_not_an_image_is_refused_by_path(app_server, alice_key, vision, fake_upstream):
    before = fake_upstream.requests("openai", "gpt-4o-mini")
    response = _ask(app_server, alice_key, vision.slug, "data:image/png;base64,not-base64!")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages[0].content[1].image_url.url"
    assert fake_upstream.requests("openai", "gpt-4o-mini") == before
    assert not ChatImage.objects.exists()
