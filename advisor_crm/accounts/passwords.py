"""Password rules of our own, beside Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotTheCurrentPasswordValidator:
    """Refuse a new password that is the user's current one (ASVS V2.1).

    Compares with the stored hash directly rather than through user.check_password,
    which would rewrite the hash when the hasher changed: a check must not save.
    """

    def validate(self, password: str, user: Any = None) -> None:
        stored = getattr(user, "password", "")
        if user is None or not getattr(user, "pk", None) or not stored:
            return
        if check_password(password, stored):
            raise ValidationError(
                _("The new password must differ from the current one."),
                code="password_is_current",
            )

    def get_help_text(self) -> str:
        return _("Your password can’t be the one you use now.")
