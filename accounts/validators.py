from __future__ import annotations

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Long passphrases are welcome; beyond this it is a mistake or an attack."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters."
