"""What users type, made safe before it reaches the database.

Fuzzing found server errors where typed text went to PostgreSQL unchecked: a NUL
byte (which a text column cannot hold), an id of 20 or 5,000 digits (beyond a bigint,
or beyond what Python converts), a superscript "²" (a digit to str.isdigit, not to
int). These helpers are the one place that decides what an id and a text may be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save

# The largest value of a bigint primary key (DEFAULT_AUTO_FIELD is BigAutoField).
MAX_DATABASE_ID = 2**63 - 1
_DATABASE_ID = re.compile(r"^[0-9]{1,19}$")

# C0 controls but tab, line feed and carriage return (which notes may hold), DEL, C1
# controls, and the two non-characters XML forbids. Each is invisible or meaningless
# in a name or a note; NUL cannot be stored by PostgreSQL; and the others make the
# SVG pictures invalid XML, which the PDF renderer then silently leaves out.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

# The apps whose models hold what users type; Django's own and third-party models
# (sessions, the audit log's JSON) are left as their apps write them.
_PROJECT_APPS = frozenset({"accounts", "clients", "kyc", "kms", "scoring"})


def database_id(text: Any) -> int | None:
    """The id a text names, or None if it cannot be the id of a stored row."""
    text = str(text).strip()
    if not _DATABASE_ID.match(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_DATABASE_ID else None


def without_control_characters(text: str) -> str:
    """The text without control characters (tab and line breaks stay)."""
    return _CONTROL_CHARACTERS.sub("", text)


def _strip_control_characters(
    sender: type[models.Model], instance: models.Model, **kwargs: Any
) -> None:
    """Every text a project model stores leaves control characters behind, whichever way
    it came in (a form, a view reading the request, a service, an import)."""
    if sender._meta.app_label not in _PROJECT_APPS:
        return
    for field in sender._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname)
            if isinstance(value, str) and _CONTROL_CHARACTERS.search(value):
                setattr(instance, field.attname, without_control_characters(value))


def connect() -> None:
    pre_save.connect(_strip_control_characters, dispatch_uid="advisor_crm.inputs.strip")


class IdChoiceField(forms.ModelChoiceField):
    """A model choice that refuses a value which cannot be an id before it is looked up
    (a bigint overflow is a database error on PostgreSQL, not an empty result)."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values or isinstance(value, models.Model):
            return super().to_python(value)
        if database_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """IdChoiceField for several choices: each must be an id before any is looked up."""

    def _check_values(self, value: Iterable[Any]) -> Any:
        for each in value:
            if not isinstance(each, models.Model) and database_id(each) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(each)[:30]},
                )
        # (_check_values is ModelMultipleChoiceField's lookup of the values; the stubs omit it.)
        return super()._check_values(value)  # type: ignore[misc]
