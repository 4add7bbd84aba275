"""Writes of KYC data, consent, export and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.db import models, transaction
from django.db.models.deletion import RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from advisor_crm.accounts.models import User
from advisor_crm.saving import form_save, row_save
from clients import events as clients_events
from clients.models import Client, SensitiveAccess
from kyc import events as kyc_events
from kyc.models import (
    Allocation,
    Asset,
    ConsentScope,
    Enterprise,
    ExistingPolicy,
    Household,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    Relationship,
    SensitiveConsent,
)
from kyc.selectors import consent_covers, field_label, field_value, kyc_load


def completeness_store(*, client: Client) -> int:
    """Store the KYC completeness on the client, where set-based scoring can read it.

    The completeness is a fact of the client record, so a change of it is announced
    as one (clients.events), for scoring to rescore the client.
    """
    if _completeness_write(client):
        clients_events.facts_changed(client_ids=[client.pk])
    return client.kyc_completeness


def _changed(*, client: Client, model: type[models.Model]) -> None:
    """After a KYC write: store the completeness and tell who listens what changed."""
    completeness_store(client=client)
    kyc_events.rows_changed(client_id=client.pk, model=model)


def _completeness_write(client: Client) -> bool:
    from kyc.completeness import completeness

    percent = completeness(kyc_load(client=client)).percent
    if client.kyc_completeness == percent:
        return False
    Client.objects.filter(pk=client.pk).update(kyc_completeness=percent)
    client.kyc_completeness = percent
    return True


def on_profile_saved(*, client: Client, **_kwargs: Any) -> None:
    """The profile counts towards completeness (birth date, occupation, income).

    The client service announces facts_changed right after this, so this only stores.
    """
    _completeness_write(client)


M = TypeVar("M", bound=models.Model)


def kyc_row_add(*, row: M) -> M:
    """Add a KYC row built in code (demo data, imports): the model's rules apply.

    The caller stores the completeness once it has added what it adds.
    """
    row.full_clean()
    row.save()
    kyc_events.rows_changed(client_id=row.client_id, model=type(row))  # type: ignore[attr-defined]
    return row


@transaction.atomic
def kyc_item_save(*, form: forms.ModelForm) -> models.Model:
    """Save a validated KYC form (the form scoped every choice to its client)."""
    item = form_save(form)
    _changed(client=form.instance.client, model=type(item))
    return item


@transaction.atomic
def person_save(*, form: forms.ModelForm) -> Person:
    """Save a person and the parent link chosen for the family tree."""
    person: Person = form_save(form)
    parent = form.cleaned_data.get("parent_in_map")
    stale = PersonLink.objects.filter(to_person=person, kind=PersonLink.Kind.PARENT_OF).exclude(
        from_person__relationship=Relationship.SELF
    )
    if parent is not None:
        stale = stale.exclude(from_person=parent)
        kind = PersonLink.Kind.PARENT_OF
        if not PersonLink.objects.filter(from_person=parent, kind=kind, to_person=person).exists():
            kyc_row_add(
                row=PersonLink(
                    client=person.client, from_person=parent, kind=kind, to_person=person
                )
            )
    for old_link in stale:
        old_link.delete()
    _changed(client=person.client, model=Person)
    return person


class ItemInUse(Exception):
    """An item cannot be deleted: records of the apps above name it (a proposal)."""

    def __init__(self, uses: list[str]) -> None:
        super().__init__(", ".join(uses))
        self.uses = uses


@transaction.atomic
def kyc_item_delete(*, item: models.Model) -> None:
    """Delete an item of the map; raise ItemInUse if a record above still names it.

    The apps above protect what they name with on_delete=RESTRICT; their rows tell
    what they are through an `in_use_label` (kyc does not know their models).
    """
    client = item.client  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            item.delete()
    except RestrictedError as error:
        uses = {getattr(row, "in_use_label", None) or str(row) for row in error.restricted_objects}
        raise ItemInUse(sorted(uses)) from error
    _changed(client=client, model=type(item))


@transaction.atomic
def policy_save(*, form: forms.ModelForm, beneficiaries: forms.BaseInlineFormSet) -> ExistingPolicy:
    policy: ExistingPolicy = form_save(form)
    beneficiaries.instance = policy
    for beneficiary_form in beneficiaries.forms:
        beneficiary_form.instance.client = policy.client
    beneficiaries.save()
    _changed(client=policy.client, model=ExistingPolicy)
    return policy


@transaction.atomic
def client_person_ensure(*, client: Client) -> Person:
    """The client as a person of their own map, created from the profile when missing.

    Adding them completes a check of the KYC, so the completeness is stored (and the
    score follows) in the same transaction.
    """
    person = Person.objects.filter(client=client, relationship=Relationship.SELF).first()
    if person is None:
        person = kyc_row_add(
            row=Person(
                client=client,
                relationship=Relationship.SELF,
                name=client.name,
                gender=client.gender,
                birth_date=client.birth_date,
                occupation=client.occupation,
                annual_income=client.annual_income,
            )
        )
        completeness_store(client=client)
    return person


@transaction.atomic
def consent_record(
    *, client: Client, user: User, given_on: dt.date, scope: str, notes: str = ""
) -> SensitiveConsent:
    consent = kyc_row_add(
        row=SensitiveConsent(
            client=client, recorded_by=user, given_on=given_on, scope=scope, notes=notes
        )
    )
    completeness_store(client=client)
    return consent


# The fields each consent scope covers: recorded only under that consent (the forms
# disable them without it), deleted when it is withdrawn, exported only while covered.
SENSITIVE_FIELDS: dict[str, tuple[type[models.Model], str]] = {
    ConsentScope.HEALTH: (Person, "health_notes"),
    ConsentScope.FINANCIAL: (Asset, "account_details"),
}


@transaction.atomic
def consent_withdraw(*, consent: SensitiveConsent, kept_under: str = "") -> int:
    """Record the withdrawal and delete the data the consent covered (PIPL art. 47).

    Data another consent still covers stays. With `kept_under` (the law or regulation
    that requires keeping it, art. 47 para. 2) nothing is deleted and the reason is
    recorded with the withdrawal. Returns how many values were deleted.
    """
    consent.withdrawn_at = timezone.now()
    consent.kept_under = kept_under.strip()
    consent.full_clean(exclude=["client", "recorded_by"])
    consent.save(update_fields=["withdrawn_at", "kept_under", "updated_at"])
    client = consent.client
    deleted = 0
    if not consent.kept_under:
        for scope in consent.scopes():
            if consent_covers(client=client, scope=scope):
                continue
            model, name = SENSITIVE_FIELDS[scope]
            for row in model._default_manager.filter(client=client):
                if getattr(row, name):
                    setattr(row, name, "")
                    # Saved, so that the history says it was deleted (values masked).
                    row.save(update_fields=[name, "updated_at"])
                    deleted += 1
            _changed(client=client, model=model)
    _changed(client=client, model=SensitiveConsent)
    return deleted


def sensitive_exportable(*, consents: Iterable[SensitiveConsent], scope: str) -> bool:
    """Whether the export may show a scope's data: a consent covers it, or a
    withdrawal kept it under a named law (the export says which)."""
    return any(
        c.covers(scope) or (c.withdrawn_at and c.kept_under and scope in c.scopes())
        for c in consents
    )


# The client's own id and technical columns mean nothing to the person the data is
# about; the ID number is exported decrypted under its label instead.
_NOT_EXPORTED = {"id", "client", "id_number_encrypted", "id_number_index"}


def _row(instance: models.Model) -> dict[str, str]:
    """A row as its fields' labels and the values the pages show, related rows by name."""
    data: dict[str, str] = {}
    # When the row was recorded and last changed come after what it says.
    fields = sorted(
        instance._meta.concrete_fields, key=lambda f: f.name in {"created_at", "updated_at"}
    )
    for model_field in fields:
        if model_field.name in _NOT_EXPORTED:
            continue
        if model_field.is_relation:
            related = getattr(instance, model_field.name)
            value = "" if related is None else str(related)
        else:
            value = field_value(model_field, getattr(instance, model_field.attname), exact=True)
        data[field_label(model_field)] = value
    return data


@dataclass
class ExportSection:
    title: str
    rows: list[dict[str, str]]
    # The profile and the household are one row each, the other sections lists.
    single: bool = False


@dataclass
class ClientExport:
    exported_at: dt.datetime
    sections: list[ExportSection]

    def as_dict(self) -> dict[str, Any]:
        """The download: sections and fields under their translated labels."""
        data: dict[str, Any] = {_("exported at"): timezone.localtime(self.exported_at)}
        for section in self.sections:
            data[section.title] = section.rows[0] if section.single else section.rows
        return data


def client_export(*, client: Client, user: User, ip_address: str | None) -> ClientExport:
    """Everything recorded about the client, for a data-subject request (PIPL art. 45).

    Every field under its label, with choices, related rows and times as the pages
    show them, so that the person it is about can read it. The export reveals the ID
    number and sensitive notes, so it is recorded like a reveal.
    """
    SensitiveAccess.objects.create(
        client=client, user=user, field=SensitiveAccess.Field.EXPORT, ip_address=ip_address
    )
    kyc = kyc_load(client=client)
    profile = _row(client)
    profile[_("ID number")] = client.get_id_number()
    profile[field_label(Client._meta.get_field("tags"))] = "、".join(
        tag.name for tag in client.tags.all()
    )

    withheld = {
        (model, name)
        for scope, (model, name) in SENSITIVE_FIELDS.items()
        if not sensitive_exportable(consents=kyc.consents, scope=scope)
    }

    def exported(row: models.Model) -> dict[str, str]:
        data = _row(row)
        for model, name in withheld:
            sensitive = model._meta.get_field(name)
            assert isinstance(sensitive, models.Field)
            label = field_label(sensitive)
            if isinstance(row, model) and data.get(label):
                data[label] = _("not exported: no consent covers it")
        return data

    def section(model: type[models.Model], rows: Iterable[models.Model]) -> ExportSection:
        return ExportSection(str(model._meta.verbose_name_plural), [exported(r) for r in rows])

    return ClientExport(
        exported_at=timezone.now(),
        sections=[
            ExportSection(str(Client._meta.verbose_name), [profile], single=True),
            section(Person, kyc.people),
            section(PersonLink, kyc.links),
            section(Enterprise, kyc.enterprises),
            section(Asset, kyc.assets),
            section(Liability, kyc.liabilities),
            section(IncomeSource, kyc.income_sources),
            ExportSection(str(Household._meta.verbose_name), [_row(kyc.household)], single=True),
            section(Allocation, kyc.allocations),
            section(ExistingPolicy, kyc.policies),
            section(PolicyBeneficiary, [b for p in kyc.policies for b in p.beneficiaries.all()]),
            section(SensitiveConsent, kyc.consents),
            section(SensitiveAccess, client.sensitive_accesses.select_related("user")),
        ],
    )


# Merging duplicate clients (clients.events.clients_merging) ----------------------------

MERGE_MOVES: tuple[tuple[type[models.Model], str], ...] = (
    (PersonLink, gettext_noop("relationships")),
    (Enterprise, gettext_noop("enterprises")),
    (Asset, gettext_noop("assets")),
    (Liability, gettext_noop("liabilities")),
    (IncomeSource, gettext_noop("income sources")),
    (Allocation, gettext_noop("allocations")),
    (ExistingPolicy, gettext_noop("existing policies")),
    (PolicyBeneficiary, gettext_noop("policy beneficiaries")),
    (SensitiveConsent, gettext_noop("consents")),
)


def on_client_merging(*, survivor: Client, merged: Client, **_kwargs: Any) -> dict[str, int]:
    """Move the merged client's map into the survivor's.

    1. Every person but the merged client themself moves, with every row of the map.
    2. The merged client as a person of their map is the survivor's "self": what
       points to them (links, assets, policies, proposals of cases: every relation
       to Person, whatever app declares it) points to the survivor's self instead,
       which takes the facts it lacks, and the merged one is deleted. A survivor
       without a map of their own takes the merged self as it is.
    3. The household figures fill the survivor's empty ones.
    """
    moved: dict[str, int] = {}
    merged_self = Person.objects.filter(client=merged, relationship=Relationship.SELF).first()
    survivor_self = Person.objects.filter(client=survivor, relationship=Relationship.SELF).first()
    others = Person.objects.filter(client=merged).exclude(relationship=Relationship.SELF)
    moved[gettext_noop("people")] = others.update(client=survivor)
    for model, label in MERGE_MOVES:
        moved[label] = model._default_manager.filter(client=merged).update(client=survivor)
    if merged_self is not None and survivor_self is None:
        Person.objects.filter(pk=merged_self.pk).update(client=survivor)
    elif merged_self is not None and survivor_self is not None:
        _person_replace(old=merged_self, new=survivor_self)
    moved[gettext_noop("household figures")] = _household_merge(survivor=survivor, merged=merged)
    completeness_store(client=survivor)
    changed: list[type[models.Model]] = [Person, *(model for model, _label in MERGE_MOVES)]
    for model in changed:
        kyc_events.rows_changed(client_id=survivor.pk, model=model)
    return moved


def _person_replace(*, old: Person, new: Person) -> None:
    """Point everything that refers to `old` at `new`, fill `new`'s gaps, delete `old`."""
    # Hidden relations too: the proposals' people are declared with related_name="+".
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.one_to_many):
            continue
        field = relation.field.name  # type: ignore[union-attr]
        relation.related_model._base_manager.filter(**{field: old}).update(**{field: new})  # type: ignore[union-attr]
    gaps = [
        field.name
        for field in Person._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and field.name not in ("client", "relationship")
        and getattr(new, field.attname) in (None, "")
        and getattr(old, field.attname) not in (None, "")
    ]
    for name in gaps:
        setattr(new, name, getattr(old, name))
    if gaps:
        row_save(instance=new, fields=gaps)
    old.delete()


def _household_merge(*, survivor: Client, merged: Client) -> int:
    old = Household.objects.filter(client=merged).first()
    if old is None:
        return 0
    current = Household.objects.filter(client=survivor).first()
    if current is None:
        Household.objects.filter(pk=old.pk).update(client=survivor)
        return 1
    changed = []
    for field in Household._meta.concrete_fields:
        if not field.editable or field.primary_key or field.name == "client":
            continue
        mine, theirs = getattr(current, field.attname), getattr(old, field.attname)
        if isinstance(field, models.BooleanField):
            # A confirmation ("no existing policies") holds for the merged map only if
            # both maps had it: the other's rows may be exactly what it denied.
            value = bool(mine and theirs)
        elif mine in (None, "") and theirs not in (None, ""):
            value = theirs  # a figure only the duplicate had; 0 is a figure too
        else:
            continue
        if value != mine:
            setattr(current, field.name, value)
            changed.append(field.name)
    if changed:
        row_save(instance=current, fields=changed)
    old.delete()
    return 1


def on_client_merge_preview(
    *, survivor: Client, merged: Client, **_kwargs: Any
) -> dict[str, tuple[int, int]]:
    """The rows of both maps a merge would put together (clients.events)."""

    def count(model: type[models.Model], client: Client) -> int:
        rows = model._default_manager.filter(client=client)
        if model is Person:
            rows = rows.exclude(relationship=Relationship.SELF)
        return rows.count()

    shown = (
        (Person, gettext_noop("people")),
        (Asset, gettext_noop("assets")),
        (Liability, gettext_noop("liabilities")),
        (ExistingPolicy, gettext_noop("existing policies")),
        (Allocation, gettext_noop("allocations")),
    )
    return {label: (count(model, merged), count(model, survivor)) for model, label in shown}
