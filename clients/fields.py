"""Model fields for sensitive personal information (PIPL)."""

from __future__ import annotations

from typing import Any

from django.db import models

from clients import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted with the field-encryption keys, decrypted on load.

    An empty value is stored empty so that "nothing recorded" stays visible without
    decrypting. The column never holds clear text, so it cannot be searched.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(str(value))
