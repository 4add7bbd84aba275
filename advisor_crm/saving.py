"""Saving rows the way every service does: an edit writes only the columns it changes.

A full save() writes every column from the in-memory instance, so an edit that
loaded its row before another writer saved would silently put old values back in
the columns it did not touch. Services therefore insert new rows whole and update
existing ones by the fields they set (HackSoft's model_update), plus the row's
auto_now timestamps, which Django fills only when they are listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django import forms
from django.db import models, transaction

from advisor_crm.versioning import VersionedForm, row_check

M = TypeVar("M", bound=models.Model)


def _auto_now_fields(instance: models.Model) -> list[str]:
    return [
        field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)
    ]


def row_save(*, instance: M, fields: Iterable[str]) -> M:
    """Insert a new row, or write `fields` (and its auto_now columns) of an existing one."""
    if instance._state.adding:
        instance.save()
        return instance
    concrete = {field.name for field in instance._meta.concrete_fields}
    names = [name for name in fields if name in concrete]
    names += [name for name in _auto_now_fields(instance) if name not in names]
    instance.save(update_fields=names)
    return instance


def form_save(form: forms.ModelForm) -> Any:
    """Save a valid model form: an edit writes only the columns the form shows.

    A versioned form's row is locked and checked again first (advisor_crm.versioning),
    so a save that raced another past validation is refused rather than applied.
    """
    with transaction.atomic():
        instance = form.save(commit=False)
        if isinstance(form, VersionedForm):
            row_check(form, instance)
        row_save(instance=instance, fields=form._meta.fields or ())
        form.save_m2m()
    return instance
