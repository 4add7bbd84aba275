"""Reads of KYC data. Callers pass a client already scoped by visible_to."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Field, ForeignObjectRel, JSONField, Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.audit import SENSITIVE_MASK
from clients.models import Client
from clients.money import format_both, format_yuan
from kyc.models import (
    Allocation,
    Asset,
    Enterprise,
    ExistingPolicy,
    Household,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    SensitiveConsent,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def consent_covers(*, client: Client, scope: str) -> bool:
    """Whether an active consent of the client covers the given scope."""
    return any(
        c.covers(scope)
        for c in SensitiveConsent.objects.filter(client=client, withdrawn_at__isnull=True)
    )


@dataclass
class Kyc:
    """Everything recorded about a client's household, loaded in a fixed number of queries."""

    client: Client
    people: list[Person]
    links: list[PersonLink]
    enterprises: list[Enterprise]
    assets: list[Asset]
    liabilities: list[Liability]
    income_sources: list[IncomeSource]
    household: Household
    allocations: list[Allocation]
    policies: list[ExistingPolicy]
    consents: list[SensitiveConsent] = field(default_factory=list)

    @property
    def client_person(self) -> Person | None:
        return next((p for p in self.people if p.relationship == "self"), None)

    @property
    def assets_total(self) -> Decimal:
        return sum((a.value for a in self.assets), Decimal(0))

    @property
    def debts_total(self) -> Decimal:
        # Guarantees are contingent: they count as exposure, not as the household's debt.
        return sum((li.amount for li in self.liabilities if not li.is_guarantee), Decimal(0))

    @property
    def guarantees_total(self) -> Decimal:
        return sum((li.amount for li in self.liabilities if li.is_guarantee), Decimal(0))

    @property
    def net_worth(self) -> Decimal:
        return self.assets_total - self.debts_total

    @property
    def household_income(self) -> Decimal:
        return sum((i.annual_amount for i in self.income_sources), Decimal(0))

    def consent_for(self, scope: str) -> bool:
        return any(c.covers(scope) for c in self.consents)


def kyc_load(*, client: Client) -> Kyc:
    household, _created = Household.objects.get_or_create(client=client)
    return Kyc(
        client=client,
        people=list(Person.objects.filter(client=client).order_by("created_at", "id")),
        links=list(
            PersonLink.objects.filter(client=client).select_related("from_person", "to_person")
        ),
        enterprises=list(Enterprise.objects.filter(client=client).select_related("owner")),
        assets=list(
            Asset.objects.filter(client=client).select_related("owner_person", "owner_enterprise")
        ),
        liabilities=list(
            Liability.objects.filter(client=client).select_related(
                "borrower_person", "borrower_enterprise", "guarantor", "secured_by"
            )
        ),
        income_sources=list(IncomeSource.objects.filter(client=client).select_related("person")),
        household=household,
        allocations=list(
            Allocation.objects.filter(client=client).select_related("person", "source_asset")
        ),
        policies=list(
            ExistingPolicy.objects.filter(client=client)
            .select_related("policyholder", "insured")
            .prefetch_related(
                Prefetch(
                    "beneficiaries", queryset=PolicyBeneficiary.objects.select_related("person")
                )
            )
        ),
        consents=list(SensitiveConsent.objects.filter(client=client).select_related("recorded_by")),
    )


def client_history(*, client: Client, limit: int = 200) -> QuerySet[LogEntry]:
    """Audit entries of the client and all its KYC rows, newest first."""
    return (
        LogEntry.objects.filter(additional_data__client_id=client.pk)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")[:limit]
    )


@dataclass
class HistoryChange:
    field: str
    before: str
    after: str


@dataclass
class HistoryRow:
    entry: LogEntry
    action: str
    model_label: str
    changes: list[HistoryChange]


# Every KYC row carries these two timestamps (kyc.models.ClientOwned), labelled here
# rather than by a migration of every KYC table for a label.
_FIELD_LABELS: dict[str, StrOrPromise] = {
    "created_at": _("created"),
    "updated_at": _("last changed"),
}

_ACTIONS: dict[int, StrOrPromise] = {
    LogEntry.Action.CREATE: _("added"),
    LogEntry.Action.UPDATE: _("changed"),
    LogEntry.Action.DELETE: _("deleted"),
    LogEntry.Action.ACCESS: _("viewed"),
}


def field_label(field: Field[Any, Any] | ForeignObjectRel) -> str:
    """The translated label of a model field, as the forms show it.

    A relation declared without a label (a beneficiary's policy) is named after the
    model it points to.
    """
    label = str(getattr(field, "verbose_name", field.name))
    # Django labels a field declared without a label by its name: "created at".
    if label != field.name.replace("_", " "):
        return label
    if field.name in _FIELD_LABELS:
        return str(_FIELD_LABELS[field.name])
    related = field.related_model
    return str(related._meta.verbose_name) if isinstance(related, type) else label


def _is_percent(field: Field[Any, Any]) -> bool:
    # A decimal capped at 100 is a share in percent (kyc.models.percent); other
    # decimals of the records are amounts in yuan.
    return any(isinstance(v, MaxValueValidator) and v.limit_value == 100 for v in field.validators)


def field_value(field: Field[Any, Any], value: Any, *, exact: bool = False) -> str:
    """A field's value as the pages show it, "" for none.

    Choices by their label, yes/no, amounts in 万 (exact adds the full yuan, for
    exports), percentages as typed, and times in local time (settings.TIME_ZONE):
    auditlog stores them naive in UTC.
    """
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if _is_percent(field):
            return f"{value.normalize():f}%"
        return format_both(value) if exact else format_yuan(value)
    if isinstance(field, JSONField):
        # A summary such as what a merge moved, {"people": 2}: "people 2，plans 1".
        try:
            data = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            return str(value)
        if isinstance(data, dict):
            return "，".join(f"{key} {count}" for key, count in data.items())
    return str(value)


def _logged_value(
    field: Field[Any, Any] | None, raw: Any, names: dict[tuple[type[Model], str], str]
) -> str:
    """A value as auditlog logged it (text), shown like field_value shows a live one."""
    if raw in (None, "None", ""):
        return ""
    if isinstance(raw, dict):  # a many-to-many change: {"type": "m2m", "objects": [...]}
        return "、".join(str(o) for o in raw.get("objects", []))
    if field is None:
        return str(raw)
    if isinstance(field.related_model, type):
        return names.get((field.related_model, str(raw)), str(raw))
    if raw == SENSITIVE_MASK:
        return raw
    try:
        value = field.to_python(raw)
    except ValidationError:  # a value logged under an older type of the field
        return str(raw)
    return field_value(field, value)


def _shown(model: type[Model] | None, field: Field[Any, Any] | None) -> bool:
    """Whether a logged change belongs on the History page.

    Not the row's id, not the client the whole page is about, and not the reverse
    relations older entries logged as "kyc.PolicyBeneficiary.None".
    """
    if model is None or field is None:
        return model is None
    if not field.concrete or field.primary_key:
        return False
    return not (field.name == "client" and field.related_model is Client)


def history_rows(entries: Iterable[LogEntry]) -> list[HistoryRow]:
    """Readable history: field labels, choice labels, related names and local times.

    1. Collect every related id the changes mention, per model.
    2. Fetch their names with one query per model (not one per change).
    3. Build the rows with the translated field names, in the model's field order.
    """
    entries = list(entries)
    wanted: dict[type[Model], set[str]] = defaultdict(set)
    parsed = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = entry.changes_dict or {}
        fields: dict[str, Any] = {}
        for name, values in changes.items():
            try:
                field = model._meta.get_field(name) if model else None
            except FieldDoesNotExist:
                continue  # a field since removed from the model
            if not _shown(model, field):
                continue
            fields[name] = field
            if (
                field is not None
                and getattr(field, "many_to_one", False)
                and isinstance(values, list)
            ):
                wanted[field.related_model].update(
                    str(v) for v in values if v not in (None, "None", "")
                )
        parsed.append((entry, model, changes, fields))
    names: dict[tuple[type[Model], str], str] = {}
    for model, ids in wanted.items():
        pks = [pk for pk in ids if pk.isdigit()]
        for obj in model._default_manager.filter(pk__in=pks):
            names[(model, str(obj.pk))] = str(obj)
    rows = []
    for entry, model, changes, fields in parsed:
        order = {f.name: i for i, f in enumerate(model._meta.fields)} if model else {}
        row_changes = []
        for name in sorted(fields, key=lambda n: order.get(n, len(order))):
            field, values = fields[name], changes[name]
            label = field_label(field) if field is not None else name
            if isinstance(values, dict):
                before, after = "", _logged_value(field, values, names)
            else:
                before, after = (_logged_value(field, v, names) for v in [*values, None, None][:2])
            if before or after:  # a row added with a field left empty
                row_changes.append(HistoryChange(label, before, after))
        model_label = str(model._meta.verbose_name) if model else entry.content_type.model
        action = _ACTIONS.get(entry.action, entry.get_action_display())
        rows.append(HistoryRow(entry, str(action), model_label, row_changes))
    return rows
