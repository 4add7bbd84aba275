from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from advisor_crm.accounts.models import User
from advisor_crm.saving import row_save
from advisor_crm.versioning import VersionedForm, row_check
from clients import events
from clients.models import Client, ClientMerge, SensitiveAccess, Tag
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
    version_form: VersionedForm | None = None,
) -> Client:
    """Update the given fields; an id_number of None keeps the stored one.

    With the edit form that carried the row's version, the row is locked and the
    save refused (StaleEdit) if someone saved it since the form was rendered.

    The referrer is read from the database first: a bound ModelForm has already
    written the new one onto the instance, and the old referrer loses a referral.
    """
    if version_form is not None:
        row_check(version_form, client)
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


# Merging duplicates ---------------------------------------------------------------

# Profile facts a merge fills in on the surviving client where it has none.
MERGE_FILLS = tuple(field for field in PROFILE_FIELDS if field not in ("owner", "referred_by"))


class MergeRefused(ValidationError):
    """The two clients cannot be merged; the message says why."""


def client_merge_check(*, user: User, survivor: Client, merged: Client) -> None:
    """Refuse a merge the user may not make, or of two clients that are not one person.

    Both clients are reached through the user's scope by the caller (404 otherwise);
    this judges the rest: only leads and admins merge, a client is not merged into
    itself, and two different ID numbers are two different people.
    """
    if not (user.is_team_lead or user.is_crm_admin):
        raise MergeRefused(_("Only a team lead or an administrator can merge clients."))
    if survivor.pk == merged.pk:
        raise MergeRefused(_("Choose another client: a client cannot be merged into itself."))
    if (
        survivor.id_number_index
        and merged.id_number_index
        and survivor.id_number_index != merged.id_number_index
    ):
        raise MergeRefused(
            _("The two clients have different ID numbers: they are two people, not duplicates.")
        )


@transaction.atomic
def client_merge(*, user: User, survivor: Client, merged: Client) -> ClientMerge:
    """Merge a duplicate into the surviving client, and record it.

    1. Refuse what client_merge_check refuses. Lock both rows.
    2. Fill the survivor's empty profile facts (and the ID number) from the merged one;
       tags are united; clients the merged one referred are now the survivor's.
    3. Tell the apps above (clients.events.clients_merging): each moves its rows
       (KYC, cases, plans, scores) and says what it moved.
    4. Move the merged client's reveal log and history to the survivor.
    5. Delete the merged client, refusing (and so undoing everything) if that would
       delete any row still attached to it: nothing is lost in a merge.
    6. Record the merge (its history entry shows under the survivor) and announce the
       changed facts so that scores follow.
    """
    client_merge_check(user=user, survivor=survivor, merged=merged)
    locked = {
        c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])
    }
    if len(locked) != 2:
        raise MergeRefused(_("One of the two clients no longer exists."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    filled = _merge_profile(survivor=survivor, merged=merged)
    moved: dict[str, int] = {}
    if filled:
        moved[gettext_noop("profile facts filled in")] = len(filled)
    referred = Client.objects.filter(referred_by=merged).exclude(pk=survivor.pk)
    moved[gettext_noop("referrals")] = referred.update(referred_by=survivor)
    moved[gettext_noop("tags")] = _merge_tags(survivor=survivor, merged=merged)
    for _receiver, answer in events.clients_merging.send(
        sender=Client, survivor=survivor, merged=merged
    ):
        if isinstance(answer, dict):
            moved.update(answer)
    moved[gettext_noop("sensitive accesses")] = SensitiveAccess.objects.filter(
        client=merged
    ).update(client=survivor)
    # Clients merged into the duplicate earlier: their records now belong to the survivor.
    moved[gettext_noop("earlier merges")] = ClientMerge.objects.filter(survivor=merged).update(
        survivor=survivor
    )
    moved[gettext_noop("history entries")] = _merge_history(survivor=survivor, merged=merged)
    number, name, merged_referrer = merged.pk, merged.name, merged.referred_by_id
    _delete_emptied(merged)
    record = ClientMerge.objects.create(
        survivor=survivor,
        merged_client_number=number,
        merged_name=name,
        merged_by=user,
        # In the words of who merged, as the rest of the audit record.
        moved={gettext(label): count for label, count in moved.items() if count},
    )
    events.client_profile_saved.send(sender=Client, client=survivor)
    # The duplicate's referrer loses a referral as it goes.
    events.facts_changed(client_ids=[survivor.pk, survivor.referred_by_id, merged_referrer])
    return record


def _merge_profile(*, survivor: Client, merged: Client) -> list[str]:
    filled = [
        field
        for field in MERGE_FILLS
        if getattr(survivor, field) in (None, "") and getattr(merged, field) not in (None, "")
    ]
    for field in filled:
        setattr(survivor, field, getattr(merged, field))
    if merged.id_number_encrypted and not survivor.id_number_encrypted:
        survivor.id_number_encrypted = merged.id_number_encrypted
        survivor.id_number_index = merged.id_number_index
        filled += ["id_number_encrypted", "id_number_index"]
    if survivor.referred_by_id == merged.pk:
        # The duplicate referred the survivor: a client cannot refer themself.
        survivor.referred_by = merged.referred_by if merged.referred_by_id != survivor.pk else None
        filled.append("referred_by")
    if filled:
        row_save(instance=survivor, fields=filled)
    return filled


def _merge_tags(*, survivor: Client, merged: Client) -> int:
    new = list(merged.tags.exclude(pk__in=survivor.tags.values("pk")))
    survivor.tags.add(*new)
    return len(new)


def _merge_history(*, survivor: Client, merged: Client) -> int:
    """Re-file the merged client's history (its own and its rows') under the survivor."""
    entries = list(LogEntry.objects.filter(additional_data__client_id=merged.pk))
    for entry in entries:
        entry.additional_data = {
            **(entry.additional_data or {}),
            "client_id": survivor.pk,
            "merged_from": merged.pk,
        }
    LogEntry.objects.bulk_update(entries, ["additional_data"], batch_size=500)
    return len(entries)


def _delete_emptied(merged: Client) -> None:
    """Delete the merged client, unless that would take any other row with it."""
    collector = Collector(using=router.db_for_write(Client))
    try:
        collector.collect([merged])
    except (ProtectedError, RestrictedError) as kept:
        rows = (
            kept.protected_objects if isinstance(kept, ProtectedError) else kept.restricted_objects
        )
        raise MergeRefused(
            _(
                "The merge was undone: these records of the merged client could not be moved: %(rows)s."
            )
            % {"rows": ", ".join(sorted({row._meta.label for row in rows}))}
        ) from kept
    left = {
        model._meta.label: len(rows)
        for model, rows in collector.data.items()
        if model is not Client and rows
    }
    for queryset in collector.fast_deletes:
        count = queryset.count()
        if count and queryset.model is not Client:
            left[queryset.model._meta.label] = left.get(queryset.model._meta.label, 0) + count
    through = Client.tags.through._meta.label
    left.pop(through, None)  # the merged client's own tag links; its tags are united
    if left:
        raise MergeRefused(
            _(
                "The merge was undone: these records of the merged client could not be moved: %(rows)s."
            )
            % {"rows": ", ".join(f"{label} × {count}" for label, count in sorted(left.items()))}
        )
    # The audit of the deletion itself would file a "deleted" entry under the merged
    # client's id, which no longer exists; the merge record tells what happened.
    with disable_auditlog():
        merged.delete()


def client_merge_preview(*, survivor: Client, merged: Client) -> list[tuple[str, int, int]]:
    """What a merge would move: (label, the merged client's rows, the survivor's rows)."""
    rows: list[tuple[str, int, int]] = []
    for _receiver, answer in events.clients_merge_preview.send(
        sender=Client, survivor=survivor, merged=merged
    ):
        if isinstance(answer, dict):
            rows += [(gettext(label), pair[0], pair[1]) for label, pair in answer.items()]
    return rows
