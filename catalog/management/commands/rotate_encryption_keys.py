"""Re-encrypt every EncryptedTextField with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run this command, then drop the old keys.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction

from catalog.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_field(model: type[models.Model], name: str) -> int:
    """Loading decrypts with any listed key; the update encrypts again with the first one."""
    count = 0
    for pk, plain in model._default_manager.exclude(**{name: ""}).values_list("pk", name).iterator():
        # update() skips save(), so auto_now timestamps don't claim the secret changed.
        model._default_manager.filter(pk=pk).update(**{name: plain})
        count += 1
    return count


class Command(BaseCommand):
    help = "Re-encrypt stored secrets (provider keys, users' own keys) with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for model, name in encrypted_fields():
                count = rotate_field(model, name)
                self.stdout.write(f"{model._meta.label}.{name}: {count} re-encrypted")
