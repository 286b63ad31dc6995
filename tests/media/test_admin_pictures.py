"""Moderators see what an image call drew on its ledger page, even once its prompt is hidden."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.roles import user_set_role
from playground.models import GeneratedImage
from tests.factories import UserFactory
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def test_moderators_see_the_pictures_of_a_hidden_generation(alice_keyed, sketch):
    body = {"model": "demo/sketch", "prompt": "a harbour at night", "size": "16x16"}
    assert alice_keyed.post("/api/v1/ai/images", body, format="json").status_code == 200
    generation = Generation.objects.get()
    Generation.objects.filter(pk=generation.pk).update(hidden=True)
    picture = GeneratedImage.objects.get()
    moderator = user_set_role(user=UserFactory(username="mod", email="mod@example.com"), role=Role.MODERATOR)
    client = Client()
    client.force_login(moderator)
    page = client.get(reverse("admin:usage_generation_change", args=[generation.pk])).content.decode()
    url = reverse("admin:usage_generation_picture", args=[picture.pk])
    assert f'<img src="{url}" alt="a harbour at night"' in page
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    outsider = Client()
    outsider.force_login(UserFactory(username="plain", email="plain@example.com"))
    assert outsider.get(url).status_code == 302  # the admin's sign-in page, not the picture
