from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from advisor_crm.accounts.models import Role, User
from advisor_crm.accounts.selectors import users_overseen_by
from advisor_crm.pagination import KeysetPage, keyset_paginate
from clients import crypto, listing
from clients.models import Client
from clients.validators import normalize_id_number, normalize_mobile

# Sort options of the client list: each ends with the primary key so that the keyset
# is unique, and each has a matching index (see Client.Meta.indexes).
CLIENT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "updated": ("-updated_at", "-id"),
    "name": ("name", "id"),
    "created": ("-created_at", "-id"),
}
DEFAULT_CLIENT_ORDERING = "updated"

_LOOKS_LIKE_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
# What might be an ID number as people type it (spaces, hyphens, the old 15 digits),
# alone or beside a name: such text never goes into an address (clients.views, issue 13).
_MIGHT_BE_ID_NUMBER = re.compile(r"\d{14,17}[\dXx]")
_LOOKS_LIKE_PHONE = re.compile(r"^[\d\s+\-]{3,}$")


@dataclass(frozen=True)
class ClientFilters:
    query: str = ""
    client_type: str = ""
    cvm_stage: str = ""
    industry: str = ""
    include_archived: bool = False
    sort: str = DEFAULT_CLIENT_ORDERING
    # The values of the filters the apps above register (clients.listing), by key.
    registered: dict[str, Any] = field(default_factory=dict)
    # An ID number search, by the number's blind index: the number itself never
    # travels in the address (see id_number_search_index).
    id_number_index: str | None = None


# What an ID number search whose number is no longer known looks for: blind indexes
# are hex, so it matches no client.
NO_CLIENT_INDEX = "-"


def id_number_in(text: str) -> str:
    """The ID number in search text, spaces and hyphens taken out; "" if none."""
    found = _MIGHT_BE_ID_NUMBER.search(re.sub(r"[\s\-]", "", text))
    return found.group(0) if found else ""


def might_be_id_number(text: str) -> bool:
    """Whether search text may hold an ID number, which must not go into an address."""
    return bool(id_number_in(text))


def id_number_search_index(text: str) -> str:
    """The blind index an ID number search looks for (text as might_be_id_number)."""
    return crypto.blind_index(normalize_id_number(id_number_in(text)))


def client_get_for_user(*, user: User, client_id: int) -> Client:
    """Fetch one client the user may see, or raise Http404 (never 403: no leak)."""
    return get_object_or_404(Client.objects.visible_to(user), pk=client_id)


def _search(query: str) -> Q:
    """Turn the search box into a condition.

    An 18-character ID number is matched exactly through its blind index (the
    number itself is encrypted); digits search the phone; anything else the name.
    """
    text = query.strip()
    if _LOOKS_LIKE_ID_NUMBER.match(text):
        return Q(id_number_index=crypto.blind_index(normalize_id_number(text)))
    if _LOOKS_LIKE_PHONE.match(text):
        return Q(phone__contains=normalize_mobile(text))
    return Q(name__icontains=text)


def client_list(
    *, user: User, filters: ClientFilters, cursor: str | None, page_size: int | None = None
) -> KeysetPage[Client]:
    """One keyset page of the clients the user may see, filtered and sorted.

    Raises InvalidCursor for a tampered or stale cursor; the view answers 400.
    """
    queryset = Client.objects.visible_to(user)
    if not filters.include_archived:
        queryset = queryset.active()
    if filters.query.strip():
        queryset = queryset.filter(_search(filters.query))
    if filters.id_number_index is not None:
        queryset = queryset.filter(id_number_index=filters.id_number_index)
    if filters.client_type:
        queryset = queryset.filter(client_type=filters.client_type)
    if filters.cvm_stage:
        queryset = queryset.filter(cvm_stage=filters.cvm_stage)
    if filters.industry:
        queryset = queryset.filter(industry=filters.industry)
    rows: QuerySet[Client] = queryset.select_related("owner").prefetch_related("tags")
    for registered_filter in listing.filters():
        value = filters.registered.get(registered_filter.key)
        if value not in (None, ""):
            rows = registered_filter.apply(rows, value)
    for column in listing.columns():
        rows = column.annotate(rows)
    registered_sort = listing.sort_of(filters.sort)
    if registered_sort is not None:
        rows = registered_sort.prepare(rows)
        ordering = registered_sort.ordering
    else:
        ordering = CLIENT_ORDERINGS.get(filters.sort, CLIENT_ORDERINGS[DEFAULT_CLIENT_ORDERING])
    return keyset_paginate(
        rows,
        ordering=ordering,
        cursor=cursor,
        page_size=page_size or settings.CLIENT_LIST_PAGE_SIZE,
    )


def advisors_assignable_by(*, user: User) -> list[User]:
    """Who a user may give a client to: the active users they oversee, bar administrators.

    So admins may give a client to any advisor or lead, leads to themselves or a
    member of their teams, advisors only to themselves. A client belongs to someone
    who sells: never to an administrator, never to someone who has left.
    """
    overseen = users_overseen_by(user=user)
    return list(overseen.filter(is_active=True).exclude(role=Role.ADMIN).order_by("username"))


def referrer_choices(*, user: User, owner: User) -> QuerySet[Client]:
    """Clients that may be named as the referrer: the owner's clients the user sees."""
    return Client.objects.visible_to(user).filter(owner=owner).active().only("pk", "name")


def referrer_search(
    *, user: User, owner_id: int, query: str, exclude_id: int | None = None, limit: int = 20
) -> list[Client]:
    """Up to `limit` possible referrers among the owner's clients that the user sees."""
    candidates = Client.objects.visible_to(user).filter(owner_id=owner_id).active()
    if query:
        candidates = candidates.filter(_search(query))
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    return list(candidates.only("pk", "name", "phone", "city").order_by("name", "id")[:limit])


def client_referrals(*, user: User, client: Client, limit: int = 20) -> list[Client]:
    """Clients this client referred that the user may see, newest first."""
    referred = Client.objects.visible_to(user).filter(referred_by=client)
    return list(
        referred.only("pk", "name", "cvm_stage", "created_at").order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class Duplicates:
    """Clients that share an ID number or a mobile with one being entered.

    visible: those the user may see (to warn and link to); elsewhere: whether any
    other client matches, of which nothing may be told but that it exists.
    """

    visible: list[Client]
    elsewhere: bool
    fields: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.visible) or self.elsewhere


def client_duplicates(*, user: User, id_number: str = "", phone: str = "") -> Duplicates:
    """Clients matching the ID number (through its blind index) or the mobile."""
    conditions = Q()
    index = crypto.blind_index(normalize_id_number(id_number)) if id_number else ""
    mobile = normalize_mobile(phone) if phone else ""
    if index:
        conditions |= Q(id_number_index=index)
    if mobile:
        conditions |= Q(phone=mobile)
    if not conditions:
        return Duplicates(visible=[], elsewhere=False, fields=frozenset())
    found = list(Client.objects.filter(conditions).only("pk", "id_number_index", "phone")[:20])
    visible_ids = set(
        Client.objects.visible_to(user)
        .filter(pk__in=[c.pk for c in found])
        .values_list("pk", flat=True)
    )
    visible = list(
        Client.objects.filter(pk__in=visible_ids).select_related("owner").order_by("name")
    )
    fields = {"id_number" if index and c.id_number_index == index else "phone" for c in found}
    return Duplicates(
        visible=visible,
        elsewhere=any(c.pk not in visible_ids for c in found),
        fields=frozenset(fields),
    )


def merge_candidates(*, user: User, client: Client, limit: int = 20) -> list[Client]:
    """Clients the user sees that look like the same person: the ID number (blind
    index), the mobile or the name."""
    same = Q(name=client.name)
    if client.id_number_index:
        same |= Q(id_number_index=client.id_number_index)
    if client.phone:
        same |= Q(phone=client.phone)
    return list(
        Client.objects.visible_to(user)
        .filter(same)
        .exclude(pk=client.pk)
        .select_related("owner")
        .order_by("name", "pk")[:limit]
    )
