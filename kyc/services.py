"""Writes of KYC data, consent, export and erasure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django import forms
from django.db import models, transaction
from django.utils import timezone

from advisor_crm.accounts.models import User
from advisor_crm.saving import form_save
from clients import events as clients_events
from clients.models import Client, SensitiveAccess
from kyc import events as kyc_events
from kyc.models import (
    ClientErasure,
    ExistingPolicy,
    Person,
    PersonLink,
    Relationship,
    SensitiveConsent,
)
from kyc.selectors import kyc_load


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


@transaction.atomic
def kyc_item_delete(*, item: models.Model) -> None:
    client = item.client  # type: ignore[attr-defined]
    item.delete()
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


@transaction.atomic
def consent_withdraw(*, consent: SensitiveConsent) -> None:
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at", "updated_at"])
    _changed(client=consent.client, model=SensitiveConsent)


def _row(instance: models.Model) -> dict[str, Any]:
    """All concrete field values of a row, with related rows as their id and label."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in {"client", "id_number_encrypted", "id_number_index"}:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, models.ForeignKey):
            related = getattr(instance, field.name)
            data[field.name] = None if related is None else {"id": value, "label": str(related)}
        elif isinstance(value, Decimal):
            data[field.name] = f"{value:f}"
        elif isinstance(value, dt.date | dt.datetime):
            data[field.name] = value.isoformat()
        else:
            data[field.name] = value
        if field.choices and value:
            data[f"{field.name}_label"] = str(getattr(instance, f"get_{field.name}_display")())
    return data


def client_export(*, client: Client, user: User, ip_address: str | None) -> dict[str, Any]:
    """Everything recorded about the client, for a data-subject request (PIPL art. 45).

    The export reveals the ID number and sensitive notes, so it is recorded like a reveal.
    """
    SensitiveAccess.objects.create(
        client=client, user=user, field=SensitiveAccess.Field.EXPORT, ip_address=ip_address
    )
    kyc = kyc_load(client=client)
    profile = _row(client)
    profile["id_number"] = client.get_id_number()
    profile["tags"] = [tag.name for tag in client.tags.all()]
    return {
        "exported_at": timezone.now().isoformat(),
        "client": profile,
        "people": [_row(p) for p in kyc.people],
        "relationships": [_row(link) for link in kyc.links],
        "enterprises": [_row(e) for e in kyc.enterprises],
        "assets": [_row(a) for a in kyc.assets],
        "liabilities": [_row(li) for li in kyc.liabilities],
        "income_sources": [_row(i) for i in kyc.income_sources],
        "household": _row(kyc.household),
        "allocations": [_row(a) for a in kyc.allocations],
        "existing_policies": [
            {**_row(p), "beneficiaries": [_row(b) for b in p.beneficiaries.all()]}
            for p in kyc.policies
        ],
        "consents": [_row(c) for c in kyc.consents],
        "sensitive_accesses": [_row(a) for a in client.sensitive_accesses.select_related("user")],
    }


@transaction.atomic
def client_erase(*, client: Client, user: User, reason: str) -> ClientErasure:
    """Erase a client on request: the data and its history go; one record says it happened.

    1. Delete the client; its KYC rows, consents and access records cascade.
    2. Delete the audit entries that held its values (before/after copies are data too).
    3. Record who erased which client id, when and why, without any personal data.
    """
    client_pk, owner, referrer_id = client.pk, client.owner, client.referred_by_id
    with disable_auditlog():
        _count, per_model = client.delete()
    history = LogEntry.objects.filter(additional_data__client_id=client_pk)
    history_count, _ = history.delete()
    # The referrer counts one referral fewer now.
    clients_events.facts_changed(client_ids=[referrer_id])
    return ClientErasure.objects.create(
        client_pk=client_pk,
        owner=owner,
        erased_by=user,
        reason=reason,
        rows_deleted=sum(per_model.values()) + history_count,
    )
