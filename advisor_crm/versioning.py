"""Edit forms carry the version of what they show; a save from a stale form is refused.

Two tabs or two devices editing the same row each post the whole form. Without a
check, the later save puts back the values its form was opened with, and the earlier
save is lost although both said "saved".

The version a form carries (the hidden field `row_version`) is the set of values its
fields were rendered with, read from the database: a compact JSON of each field's
initial value. On a save the form reads them again; if any differs from what the form
carried, someone saved in between and the save is refused. Carrying the values rather
than a counter lets the refusal say exactly what changed (the field, the value the
user saw, the value saved since), and lets a change to a column the form does not
show pass, since the form cannot overwrite it (saves write only the form's fields,
advisor_crm.saving). The check runs twice: when the form is validated, where the
refusal is shown next to the form, and again under a row lock when a model form is
saved (advisor_crm.saving.form_save), so that two saves arriving together cannot both
pass.

A form without the field (a hand-made request) cannot prove it is current and is
refused the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from advisor_crm.inputs import database_id

FIELD = "row_version"
# Keys of version_extras in a version, apart from the form's field names.
EXTRA = "+"
STALE = _(
    "Someone saved this record after you opened it, so your change was not saved. "
    "Reload to see the saved values, then make your change again."
)
UNVERSIONED = _("This form is out of date. Reload the page and make your change again.")


class StaleEdit(Exception):
    """A save found the row changed since its form was rendered."""


@dataclass(frozen=True)
class Change:
    """One field saved by someone else since the form was opened."""

    label: str
    seen: str
    saved: str
    yours: str


def canonical(value: Any) -> Any:
    """A JSON-comparable spelling of a form value: equal values spell the same."""
    if value is None or value == "":
        return None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        # 5000000.00 from the database and 5000000 from the form are one amount.
        return f"{value.normalize():f}" if value.is_finite() else str(value)
    if isinstance(value, dt.datetime | dt.time):
        # Forms render times without microseconds (BaseForm.get_initial_for_field);
        # the locked re-check reads them from the row: compare to the second.
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | models.QuerySet):
        items = [canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _decode(token: str) -> dict[str, Any] | None:
    try:
        values = json.loads(token)
    except (TypeError, ValueError):
        return None
    return values if isinstance(values, dict) else None


class VersionedForm(forms.BaseForm):
    """Mixin for edit forms: carries `row_version` and refuses a stale save.

    Put it before the form class: `class ThingForm(VersionedForm, forms.ModelForm)`.
    The version is read from the form's initial values, so a plain form whose
    initial values come from the database (parameters, tiers, a scoring rule) is
    versioned the same way as a model form.
    """

    # Fields whose initial value is not a stored fact (e.g. a confirmation tick).
    version_exempt: tuple[str, ...] = ()
    stale_changes: list[Change]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stale_changes = []
        self.fields[FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)

    def get_initial_for_field(self, field: forms.Field, field_name: str) -> Any:
        # Read when the form is rendered, after subclasses have set their initial values.
        if field_name == FIELD:
            return json.dumps(self.version_values(), ensure_ascii=False)
        return super().get_initial_for_field(field, field_name)

    @property
    def is_edit(self) -> bool:
        """Whether the form edits something already saved (new rows cannot be stale)."""
        instance = getattr(self, "instance", None)
        return instance is None or not instance._state.adding

    def _versioned_names(self) -> list[str]:
        return [name for name in self.fields if name != FIELD and name not in self.version_exempt]

    def version_extras(self) -> dict[str, tuple[str, str]]:
        """Stored facts the form edits beside its own fields, e.g. the rows of an inline
        formset posted with it: key → (label, the facts as one text of ids and values)."""
        return {}

    def version_extra_shown(self, key: str, text: str) -> str:
        """An extra's text as the user would recognise it (names, not ids)."""
        return text

    def version_values(self) -> dict[str, Any]:
        """The stored values this form shows, as it would render them now."""
        if not self.is_edit:
            return {}
        values = {
            name: canonical(self.get_initial_for_field(self.fields[name], name))
            for name in self._versioned_names()
        }
        values.update({EXTRA + key: text for key, (_l, text) in self.version_extras().items()})
        return values

    def carried_version(self) -> dict[str, Any] | None:
        """The values the posted form was rendered with; None if it carried none."""
        return _decode(self.data.get(self.add_prefix(FIELD), ""))

    def stale_against(self, current: dict[str, Any]) -> list[Change] | None:
        """Fields whose stored value changed since the form was rendered.

        None when the form carried no readable version at all.
        """
        carried = self.carried_version()
        if carried is None or (current and not carried.keys() & current.keys()):
            # Nothing carried that this form shows: a hand-made request, not a version.
            return None
        changes = []
        extras = self.version_extras() if any(n.startswith(EXTRA) for n in current) else {}
        for name, now in current.items():
            if name not in carried or carried[name] == now:
                continue
            if name.startswith(EXTRA):
                key = name.removeprefix(EXTRA)
                label = extras.get(key, (name, ""))[0]
                seen = self.version_extra_shown(key, str(carried[name] or ""))
                saved = self.version_extra_shown(key, str(now or ""))
                changes.append(Change(label=label, seen=seen or "—", saved=saved or "—", yours="—"))
                continue
            changes.append(
                Change(
                    label=str(self.fields[name].label or name),
                    seen=self._shown(name, carried[name]),
                    saved=self._shown(name, now),
                    yours=self._typed(name),
                )
            )
        return changes

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        # The version is the form's business, not a value for the service it feeds.
        self.cleaned_data.pop(FIELD, None)
        if not self.is_edit:
            return
        changes = self.stale_against(self.version_values())
        if changes is None:
            self.add_error(None, ValidationError(UNVERSIONED, code="unversioned"))
        elif changes:
            self.stale_changes = changes
            self.add_error(None, ValidationError(STALE, code="stale"))

    @property
    def has_stale_error(self) -> bool:
        """Whether the save was refused for being stale (the page offers a reload)."""
        return any(
            error.code in ("stale", "unversioned")
            for error in self.errors.as_data().get(NON_FIELD_ERRORS, [])
        )

    def _shown(self, name: str, value: Any) -> str:
        """A carried or stored value as the user would recognise it."""
        field = self.fields[name]
        if value is None:
            return "—"
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            values = value if isinstance(value, list) else [value]
            # A carried version is posted data: only ids go to the database.
            # A carried version is posted data: only what can be an id is looked up.
            ids = [pk for pk in map(database_id, values) if pk is not None]
            rows = field.queryset.filter(pk__in=ids)
            return "、".join(str(row) for row in rows) or "—"
        if isinstance(field, forms.ChoiceField):
            labels = {str(key): label for key, label in _flat(field.choices)}
            values = value if isinstance(value, list) else [value]
            return "、".join(str(labels.get(str(v), v)) for v in values)
        if isinstance(field, forms.BooleanField):
            return gettext("Yes") if value else gettext("No")
        if isinstance(field, forms.DecimalField):
            # An amount field of a higher app may say how pages show it (display).
            show = getattr(field, "display", field.prepare_value)
            try:
                return str(show(Decimal(str(value))))
            except ArithmeticError:
                return str(value)
        if isinstance(field, forms.DateTimeField):
            try:
                moment = localtime(dt.datetime.fromisoformat(str(value)))
            except ValueError:
                return str(value)
            return date_format(moment, "SHORT_DATETIME_FORMAT")
        return str(value)

    def _typed(self, name: str) -> str:
        value = self[name].value()
        if isinstance(self.fields[name], forms.BooleanField):
            return gettext("Yes") if value else gettext("No")
        if isinstance(self.fields[name], forms.ModelChoiceField | forms.ChoiceField):
            return self._shown(name, canonical(value))
        return "—" if value in (None, "") else str(value)


def _flat(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat


def row_check(form: VersionedForm, instance: models.Model) -> None:
    """Refuse a save whose row changed since the form was rendered (row locked).

    Runs inside the save's transaction: the row is read FOR UPDATE, so a second
    save of the same row waits here until the first commits, then sees its values.
    """
    if instance._state.adding or instance.pk is None:
        return
    locked = type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    if locked is None:
        raise StaleEdit(str(STALE))
    model_fields = {field.name for field in instance._meta.get_fields()}
    current = {}
    for name in form._versioned_names():
        if name not in model_fields:
            continue
        field = instance._meta.get_field(name)
        if field.many_to_many:
            current[name] = canonical(list(getattr(locked, name).all()))
        elif field.concrete:
            current[name] = canonical(field.value_from_object(locked))  # type: ignore[union-attr]
    # Read after the lock: a save of the same row that committed meanwhile is seen.
    current.update({EXTRA + key: text for key, (_l, text) in form.version_extras().items()})
    changes = form.stale_against(current)
    if changes is None or changes:
        raise StaleEdit(str(STALE))


def recheck(form: VersionedForm, fresh: VersionedForm) -> None:
    """Refuse a save whose stored values moved since the form was validated.

    For forms that are not one model row (a set of parameters, tiers, a rule edited
    through a plain form): the caller holds a lock on what is saved and builds `fresh`
    from the database under it, as the form would be rendered now.
    """
    changes = form.stale_against(fresh.version_values())
    if changes is None or changes:
        raise StaleEdit(str(STALE))
