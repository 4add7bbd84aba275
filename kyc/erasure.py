"""Erasing a client on request (PIPL art. 47), completely.

Everything the system wrote about the client goes: the client and every row that
cascades from it (the KYC map, cases, plans and their files, scores), the history of
those rows (auditlog), the Django admin log entries of them, and the client's id in
the apps' own records (scoring's P100 sign-off snapshots, through
clients.events.client_erasing).

What people typed about the client into other records (another client's notes, a
lead's review comment) is free text the system cannot judge: it is reported, with the
terms masked, and redacted where the user ticks it, in the record and in that record's
history. The erasure record keeps no personal data: a generated reference, a reason
from a list, and counts.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.admin.utils import NestedObjects
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from advisor_crm.accounts.models import User
from clients import events as clients_events
from clients.fields import EncryptedTextField
from clients.models import Client
from kyc.models import ClientErasure, ErasureReason

# The apps whose records may hold text about a client.
MENTION_APPS = ("clients", "kyc", "kms", "scoring")
# Text columns that are no free text (keys, hashes, file names, encrypted values).
NOT_TEXT = {"id_number_index", "id_number_encrypted", "sha256", "file", "job_id", "row_version"}
EXCERPT_WIDTH = 30


@dataclass(frozen=True)
class Mention:
    """A record outside the erased client that mentions them in free text."""

    key: str  # "app.model:pk:field", or "history:<entry pk>" for a history entry
    record: str  # what the record is, for the user
    field: str
    excerpt: str  # the text around the first mention, the mentions masked
    # Long free text is ticked for redaction by default; a short field (a name, a
    # mobile) may be another person's own data, so the user decides.
    suggested: bool


@dataclass(frozen=True)
class MentionSource:
    """Rows of a model an app knows to be about a client's book, beyond the generic
    ones (rows linked to a client)."""

    model: type[models.Model]
    fields: tuple[str, ...]
    rows: Callable[[Client, User], QuerySet[Any]]
    describe: Callable[[Any], str]


_sources: list[MentionSource] = []


def mention_source_register(source: MentionSource) -> None:
    """Apps above kyc add what they hold (scoring: the leads' review comments)."""
    if all(s.model is not source.model for s in _sources):
        _sources.append(source)


def _patterns(client: Client) -> list[re.Pattern[str]]:
    """The name, the mobile and the ID number, as people type them into notes."""
    found = []
    name = client.name.strip()
    if len(name) >= 2:
        # A Latin name is a word, not part of one ("Li" is not in "client"). The
        # lookarounds read the same in Python and in PostgreSQL's regular expressions.
        before = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", name, re.IGNORECASE) else ""
        after = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", name, re.IGNORECASE) else ""
        found.append(before + re.escape(name) + after)
    for number in (client.phone, client.get_id_number()):
        digits = re.sub(r"[^0-9Xx]", "", number or "")
        if len(digits) >= 7:
            # Digits may be typed with spaces or hyphens between them: 138 0013 8000.
            found.append(r"[\s\-]?".join(re.escape(d) for d in digits))
    return [re.compile(p, re.IGNORECASE) for p in found]


def _masked(text: str, patterns: list[re.Pattern[str]]) -> str:
    for pattern in patterns:
        text = pattern.sub(lambda m: "＊" * len(m.group(0)), text)
    return text


def _excerpt(text: str, patterns: list[re.Pattern[str]]) -> str:
    starts = [m.start() for p in patterns if (m := p.search(text))]
    start = max(min(starts, default=0) - EXCERPT_WIDTH, 0)
    piece = text[start : start + 3 * EXCERPT_WIDTH]
    prefix = "…" if start else ""
    suffix = "…" if start + 3 * EXCERPT_WIDTH < len(text) else ""
    # Mask on the whole text, then cut: a mention cut in two is masked as well.
    masked = _masked(text, patterns)[start : start + 3 * EXCERPT_WIDTH]
    return prefix + (masked if len(masked) == len(piece) else piece) + suffix


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """Free text, and JSON (a finding's cited facts name the people of a household)."""
    return [
        field
        for field in model._meta.concrete_fields
        if (
            isinstance(field, models.CharField | models.TextField | models.JSONField)
            and not isinstance(field, EncryptedTextField)
            and not field.choices
            and field.name not in NOT_TEXT
        )
    ]


def _is_json(model: type[models.Model], name: str) -> bool:
    return isinstance(model._meta.get_field(name), models.JSONField)


def _text_of(row: models.Model, name: str) -> str:
    value = getattr(row, name)
    if _is_json(type(row), name):
        return " ".join(_strings(value))
    return value or ""


def _client_path(model: type[models.Model], hops: int = 3) -> str | None:
    """How a row reaches its client: itself, its `client`, or an ancestor's `client`
    (a current solution's finding's case), the shortest way first."""
    if model is Client:
        return "pk"
    for depth in range(hops):
        path = _client_path_at(model, depth)
        if path is not None:
            return path
    return None


def _client_path_at(model: type[models.Model], depth: int) -> str | None:
    """The path to a `client` through exactly `depth` parents (foreign or one-to-one)."""
    if depth == 0:
        client_field = {f.name: f for f in model._meta.concrete_fields}.get("client")
        if client_field is not None and client_field.related_model is Client:
            return "client_id"
        return None
    for field in model._meta.concrete_fields:
        parent = field.related_model
        if (
            (field.many_to_one or field.one_to_one)
            and isinstance(parent, type)
            and parent is not model
            and parent is not Client
        ):
            path = _client_path_at(parent, depth - 1)
            if path is not None:
                return f"{field.name}__{path}"
    return None


def _describe(row: models.Model, path: str) -> str:
    label = capfirst(str(row._meta.verbose_name))
    if path == "pk":
        return f"{label} {row}"
    owner = Client.objects.filter(pk=_value_at(row, path)).values_list("name", flat=True).first()
    return f"{owner} · {label} {row}"


def _value_at(row: models.Model, path: str) -> Any:
    value: Any = row
    for part in path.split("__"):
        value = getattr(value, part)
    return value


def _generic_sources(client: Client, user: User) -> Iterator[MentionSource]:
    visible = Client.objects.visible_to(user).exclude(pk=client.pk).values("pk")
    for app in MENTION_APPS:
        for model in apps.get_app_config(app).get_models():
            found_path = _client_path(model)
            fields = _text_fields(model)
            if found_path is None or not fields:
                continue
            path: str = found_path

            def rows(_c: Client, _u: User, model: Any = model, path: str = path) -> Any:
                return model._default_manager.filter(**{f"{path}__in": visible})

            def describe(row: Any, path: str = path) -> str:
                return _describe(row, path)

            yield MentionSource(model, tuple(f.name for f in fields), rows, describe)


def _matching(source: MentionSource, client: Client, user: User, regexes: list[str]) -> Any:
    condition = Q()
    rows = source.rows(client, user)
    for field in source.fields:
        searched = field
        if _is_json(source.model, field):
            # JSON is searched in its text form (PostgreSQL writes it unescaped).
            searched = f"_erasure_{field}_text"
            rows = rows.annotate(**{searched: Cast(field, models.TextField())})
        for regex in regexes:
            condition |= Q(**{f"{searched}__iregex": regex})
    return rows.filter(condition)


def mentions_of(*, client: Client, user: User) -> list[Mention]:
    """Free text about the client in the records the user may see, outside the client."""
    patterns = _patterns(client)
    if not patterns:
        return []
    regexes = [p.pattern for p in patterns]
    found: list[Mention] = []
    mentioned: set[tuple[int, str]] = set()
    for source in [*_generic_sources(client, user), *_sources]:
        content_type = ContentType.objects.get_for_model(source.model)
        for row in _matching(source, client, user, regexes):
            mentioned.add((content_type.pk, str(row.pk)))
            for name in source.fields:
                text = _text_of(row, name)
                if not any(p.search(text) for p in patterns):
                    continue
                field = source.model._meta.get_field(name)
                assert isinstance(field, models.Field)
                found.append(
                    Mention(
                        key=f"{source.model._meta.label_lower}:{row.pk}:{name}",
                        # The record's own name may hold the number too.
                        record=_masked(source.describe(row), patterns),
                        field=capfirst(str(field.verbose_name)),
                        excerpt=_excerpt(text, patterns),
                        suggested=isinstance(field, models.TextField | models.JSONField),
                    )
                )
    # History that still holds a mention its record no longer has (edited away).
    for entry in _history_mentioning(client, user, regexes):
        if (entry.content_type_id, entry.object_pk) in mentioned:
            continue
        found.append(
            Mention(
                key=f"history:{entry.pk}",
                record=_("History of %(record)s, %(when)s")
                % {
                    "record": _masked(entry.object_repr, patterns),
                    "when": timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M"),
                },
                field=_("change history"),
                excerpt=_excerpt(_entry_text(entry), patterns),
                suggested=True,
            )
        )
    return found


def _entry_text(entry: LogEntry) -> str:
    return " ".join(str(part) for part in _strings(entry.changes))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _history_mentioning(client: Client, user: User, regexes: list[str]) -> list[LogEntry]:
    condition = Q()
    for regex in regexes:
        # auditlog keeps the changes as JSON: search their text form too.
        condition |= (
            Q(changes_text__iregex=regex)
            | Q(object_repr__iregex=regex)
            | Q(changes_as_text__iregex=regex)
        )
    entries = [
        entry
        for entry in LogEntry.objects.annotate(changes_as_text=Cast("changes", models.TextField()))
        .filter(condition)
        .select_related("content_type")
        if isinstance(entry.additional_data, dict)
        and entry.additional_data.get("client_id") not in (None, client.pk)
    ]
    # Few entries match; keep those of clients the user may see.
    ids = {entry.additional_data["client_id"] for entry in entries}
    visible = set(Client.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [entry for entry in entries if entry.additional_data["client_id"] in visible]


def _redact_text(text: str, patterns: list[re.Pattern[str]], limit: int | None) -> str:
    marker = _("[erased]")
    for pattern in patterns:
        text = pattern.sub(marker, text)
    return text[:limit] if limit else text


def _redact_value(value: Any, patterns: list[re.Pattern[str]]) -> Any:
    if isinstance(value, str):
        return _redact_text(value, patterns, None)
    if isinstance(value, dict):
        return {key: _redact_value(item, patterns) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_value(item, patterns) for item in value]
    return value


def _redact_entries(entries: Iterable[LogEntry], patterns: list[re.Pattern[str]]) -> None:
    for entry in entries:
        LogEntry.objects.filter(pk=entry.pk).update(
            changes=_redact_value(entry.changes, patterns),
            changes_text=_redact_text(entry.changes_text, patterns, None),
            object_repr=_redact_text(entry.object_repr, patterns, None),
            serialized_data=_redact_value(entry.serialized_data, patterns),
        )


def _redact(mention_key: str, patterns: list[re.Pattern[str]]) -> None:
    if mention_key.startswith("history:"):
        _redact_entries(LogEntry.objects.filter(pk=mention_key.split(":")[1]), patterns)
        return
    label, pk, name = mention_key.split(":")
    model = apps.get_model(label)
    field = model._meta.get_field(name)
    row = model._default_manager.get(pk=pk)
    value: Any = getattr(row, name)
    if isinstance(field, models.JSONField):
        value = _redact_value(value, patterns)
    else:
        value = _redact_text(value, patterns, getattr(field, "max_length", None))
    # An update, not a save: the history must not get a new copy of the old text.
    model._default_manager.filter(pk=pk).update(**{name: value})
    content_type = ContentType.objects.get_for_model(model)
    _redact_entries(LogEntry.objects.filter(content_type=content_type, object_pk=pk), patterns)


def _admin_log_delete(client: Client) -> int:
    """The Django admin log names the rows it changed ("赵立新 · KMS v1")."""
    collector = NestedObjects(using=DEFAULT_DB_ALIAS)
    collector.collect([client])
    deleted = 0
    for model, rows in collector.data.items():
        content_type = ContentType.objects.get_for_model(model)
        keys = [str(row.pk) for row in rows]
        for start in range(0, len(keys), 500):
            count, _ = AdminLogEntry.objects.filter(
                content_type=content_type, object_id__in=keys[start : start + 500]
            ).delete()
            deleted += count
    return deleted


def _referral_history_redact(client: Client) -> None:
    """Other clients' history says who referred them, by the erased client's id."""
    content_type = ContentType.objects.get_for_model(Client)
    # The text test narrows in the database (a million clients' histories); the exact
    # test follows below.
    entries = LogEntry.objects.filter(
        content_type=content_type, changes__referred_by__icontains=str(client.pk)
    )
    for entry in entries.exclude(object_pk=str(client.pk)).iterator():
        change = entry.changes["referred_by"]
        if isinstance(change, list) and str(client.pk) in {str(v) for v in change}:
            entry.changes["referred_by"] = [None if str(v) == str(client.pk) else v for v in change]
            LogEntry.objects.filter(pk=entry.pk).update(changes=entry.changes)


def new_reference() -> str:
    """ER-20261201-7F3A9C: what the user files with the client's written request."""
    return f"ER-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def client_erase(
    *,
    client: Client,
    user: User,
    reason: str,
    redact: Iterable[str] = (),
    mentions: list[Mention] | None = None,
) -> ClientErasure:
    """Erase a client on request; redact the mentions whose keys are in `redact`.

    1. Redact the chosen mentions (only keys among `mentions`, those the user may see).
    2. Remove the client's id where apps keep it without a relation
       (clients.events.client_erasing), and the admin log entries of its rows.
    3. Delete the client; its rows cascade, plan files go on commit.
    4. Delete the history of the client's rows.
    5. Record the erasure: a reference, the reason, counts; no personal data.
    """
    if reason not in ErasureReason.values:
        raise ValueError(reason)
    patterns = _patterns(client)
    wanted = set(redact)
    # `mentions`: those the view just found for this user (searching is the costly part).
    if mentions is None:
        mentions = mentions_of(client=client, user=user)
    chosen = [m.key for m in mentions if m.key in wanted]
    for key in chosen:
        _redact(key, patterns)
    client_pk, owner, referrer_id = client.pk, client.owner, client.referred_by_id
    clients_events.client_erasing.send(sender=None, client_id=client_pk, owner_id=owner.pk)
    admin_entries = _admin_log_delete(client)
    _referral_history_redact(client)
    with disable_auditlog():
        _count, per_model = client.delete()
    history_count, _ = LogEntry.objects.filter(additional_data__client_id=client_pk).delete()
    # The referrer counts one referral fewer now.
    clients_events.facts_changed(client_ids=[referrer_id])
    return ClientErasure.objects.create(
        reference=new_reference(),
        client_pk=client_pk,
        owner=owner,
        erased_by=user,
        reason=reason,
        rows_deleted=sum(per_model.values()) + history_count + admin_entries,
        mentions_redacted=len(chosen),
    )
