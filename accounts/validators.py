import re

from django.core.exceptions import ValidationError


class MixedCharacterClassesValidator:
    """At least one upper-case letter, one lower-case letter and one digit (product spec)."""

    def validate(self, password: str, user: object = None) -> None:
        missing = [
            label
            for pattern, label in (
                (r"[A-Z]", "an upper-case letter"),
                (r"[a-z]", "a lower-case letter"),
                (r"\d", "a digit"),
            )
            if not re.search(pattern, password)
        ]
        if missing:
            raise ValidationError(
                "The password must contain " + ", ".join(missing) + ".", code="password_character_classes"
            )

    def get_help_text(self) -> str:
        return "Your password must contain an upper-case letter, a lower-case letter and a digit."
