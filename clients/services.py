from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advisor_crm.accounts.models import User
from advisor_crm.saving import row_save
from clients import events
from clients.models import Client, SensitiveAccess, Tag
from clients.selectors import Duplicates, client_duplicates

# Fields a client form may set directly; the ID number and tags go through their
# own handling (encryption, normalisation) below.
PROFILE_FIELDS = (
    "client_type",
    "name",
    "gender",
    "birth_date",
    "phone",
    "city",
    "education",
    "industry",
    "occupation",
    "occupation_class",
    "annual_income",
    "wealth_stratum",
    "credit_status",
    "cvm_stage",
    "source",
    "referred_by",
    "notes",
    "owner",
)


def tags_parse(text: str) -> list[str]:
    """Split "高净值, 企业主；转介绍" on commas, Chinese commas and semicolons."""
    for separator in "，；;、":
        text = text.replace(separator, ",")
    seen: dict[str, None] = {}
    for part in text.split(","):
        name = part.strip()[:30]
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _tags_set(client: Client, names: Iterable[str]) -> None:
    names = list(names)
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    client.tags.set([existing[name] for name in names])


class DuplicateClient(ValidationError):
    """The client entered matches one already recorded (ID number or mobile)."""

    def __init__(self, messages: dict[str, Any], duplicates: Duplicates) -> None:
        super().__init__(messages, code="duplicate")
        self.duplicates = duplicates


def _duplicates_refuse(*, user: User, id_number: str, phone: str, confirmed: bool) -> None:
    """Refuse a second record of a client, unless the user confirms it is someone else.

    1. A match in a book the user cannot see is refused, whatever they confirm, and
       nothing is told of it but that it exists: the team lead can look into it.
    2. A match the user can see is shown with a link; saving needs the confirmation
       that this is a different person (namesakes share no ID number, but a family
       can share a mobile).
    """
    duplicates = client_duplicates(user=user, id_number=id_number, phone=phone)
    if not duplicates:
        return
    if duplicates.elsewhere:
        message = _(
            "A client with this %(field)s is in another advisor's book. Ask your team lead."
        )
    elif not confirmed:
        message = _(
            "A client with this %(field)s is already recorded (see below). If this is someone else, tick “Create anyway”."
        )
    else:
        return
    labels = {"id_number": _("ID number"), "phone": _("mobile number")}
    raise DuplicateClient(
        {field: message % {"field": labels[field]} for field in sorted(duplicates.fields)},
        duplicates,
    )


@transaction.atomic
def client_create(
    *,
    data: dict[str, Any],
    id_number: str = "",
    tag_names: Iterable[str] = (),
    user: User | None = None,
    duplicate_confirmed: bool = False,
) -> Client:
    """Create a client; a duplicate of one already recorded is refused or must be confirmed.

    `user` is who enters the client (the owner when not given): duplicates are judged
    by what they may see.
    """
    _duplicates_refuse(
        user=user or data["owner"],
        id_number=id_number,
        phone=data.get("phone") or "",
        confirmed=duplicate_confirmed,
    )
    client = Client(**{field: data[field] for field in PROFILE_FIELDS if field in data})
    client.set_id_number(id_number)
    client.full_clean(exclude=["tags"])
    client.save()
    _tags_set(client, tag_names)
    events.client_profile_saved.send(sender=Client, client=client)
    events.facts_changed(client_ids=[client.pk, client.referred_by_id])
    return client


@transaction.atomic
def client_update(
    *,
    client: Client,
    data: dict[str, Any],
    id_number: str | None = None,
    tag_names: Iterable[str] | None = None,
) -> Client:
    """Update the given fields; an id_number of None keeps the stored one.

    The referrer is read from the database first: a bound ModelForm has already
    written the new one onto the instance, and the old referrer loses a referral.
    """
    previous_referrer_id = (
        Client.objects.filter(pk=client.pk).values_list("referred_by_id", flat=True).get()
    )
    changed = [field for field in PROFILE_FIELDS if field in data]
    for field in changed:
        setattr(client, field, data[field])
    if id_number is not None:
        client.set_id_number(id_number)
        changed += ["id_number_encrypted", "id_number_index"]
    client.full_clean(exclude=["tags"])
    # Client.clean() may fill in the birth date and gender the ID number carries.
    row_save(instance=client, fields=[*changed, "birth_date", "gender"])
    if tag_names is not None:
        _tags_set(client, tag_names)
    events.client_profile_saved.send(sender=Client, client=client)
    events.facts_changed(client_ids=[client.pk, previous_referrer_id, client.referred_by_id])
    return client


@transaction.atomic
def client_archive(*, client: Client) -> Client:
    client.archived_at = timezone.now()
    client.save(update_fields=["archived_at", "updated_at"])
    events.facts_changed(client_ids=[client.pk])
    return client


@transaction.atomic
def client_restore(*, client: Client) -> Client:
    client.archived_at = None
    client.save(update_fields=["archived_at", "updated_at"])
    events.facts_changed(client_ids=[client.pk])
    return client


def client_reveal_id_number(*, client: Client, user: User, ip_address: str | None) -> str:
    """Decrypt the ID number for display and record who saw it, when and from where."""
    SensitiveAccess.objects.create(
        client=client, user=user, field=SensitiveAccess.Field.ID_NUMBER, ip_address=ip_address
    )
    return client.get_id_number()
