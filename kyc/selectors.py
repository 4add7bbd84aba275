"""Reads of KYC data. Callers pass a client already scoped by visible_to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Prefetch, QuerySet

from clients.models import Client
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
                "borrower_person", "borrower_enterprise", "guarantor"
            )
        ),
        income_sources=list(IncomeSource.objects.filter(client=client).select_related("person")),
        household=household,
        allocations=list(Allocation.objects.filter(client=client).select_related("person")),
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
    model_label: str
    changes: list[HistoryChange]


def _display(field: Any, raw: Any, names: dict[tuple[type[Model], str], str]) -> str:
    if raw in (None, "None", ""):
        return ""
    if isinstance(raw, dict):  # a many-to-many change: {"type": "m2m", "objects": [...]}
        return "、".join(str(o) for o in raw.get("objects", []))
    if field is None:
        return str(raw)
    if getattr(field, "is_relation", False) and field.related_model is not None:
        return names.get((field.related_model, str(raw)), str(raw))
    if field.choices:
        return str(dict(field.flatchoices).get(field.to_python(raw), raw))
    return str(raw)


def history_rows(entries: Iterable[LogEntry]) -> list[HistoryRow]:
    """Readable history: field labels, choice labels and related names.

    1. Collect every related id the changes mention, per model.
    2. Fetch their names with one query per model (not one per change).
    3. Build the rows with the translated field names.
    """
    entries = list(entries)
    wanted: dict[type[Model], set[str]] = defaultdict(set)
    parsed = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = entry.changes_dict or {}
        fields = {}
        for name, values in changes.items():
            try:
                field = model._meta.get_field(name) if model else None
            except FieldDoesNotExist:
                field = None
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
        row_changes = []
        for name, values in changes.items():
            field = fields[name]
            label = (
                str(field.verbose_name)
                if field is not None and hasattr(field, "verbose_name")
                else name
            )
            if isinstance(values, dict):
                before, after = "", _display(field, values, names)
            else:
                before, after = (_display(field, v, names) for v in [*values, None, None][:2])
            row_changes.append(HistoryChange(label, before, after))
        model_label = str(model._meta.verbose_name) if model else entry.content_type.model
        rows.append(HistoryRow(entry, model_label, row_changes))
    return rows
