"""A user's pictures are part of their data: in the export, and gone (files too) when the account is."""

import pytest
from django.core.files.storage import default_storage

from playground.models import GeneratedImage

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_lists_my_pictures_and_deletion_removes_them(alice_api, alice_keyed, alice, bob, password, sketch):
    body = {"model": "demo/sketch", "prompt": "a lantern", "size": "16x16"}
    assert alice_keyed.post("/api/v1/ai/images", body, format="json").status_code == 200
    picture = GeneratedImage.objects.get(user=alice)
    GeneratedImage.objects.create(user=bob, generation_id=picture.generation_id, model_slug="demo/sketch",
                                  prompt="bob's", file="images/bob.png", mime_type="image/png")  # fmt: skip
    exported = alice_api.get("/api/auth/export").json()["data"]
    assert [i["prompt"] for i in exported["images"]] == ["a lantern"]
    assert default_storage.exists(picture.file.name)
    response = alice_api.delete("/api/auth/account", {"confirm": "DELETE", "password": password}, format="json")
    assert response.status_code == 200
    assert not default_storage.exists(picture.file.name)
    assert list(GeneratedImage.objects.values_list("prompt", flat=True)) == ["bob's"]
