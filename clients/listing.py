"""What the apps above `clients` add to the client list: sort orders, filters, columns.

The list belongs to `clients`, which knows nothing of the apps built on it (see
clients/panels.py for the client page). An app registers here, in its
AppConfig.ready(), what it adds; the list's form, selector and template take what is
registered. Scoring adds its score and tier this way (scoring/listing.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django import forms
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

    from clients.models import Client


@dataclass(frozen=True)
class ListColumn:
    """A column: `annotate` adds the attributes `cell` reads, in the list's one query."""

    key: str
    label: StrOrPromise
    order: int
    annotate: Callable[[QuerySet[Client]], QuerySet[Client]]
    cell: Callable[[Client], str]


@dataclass(frozen=True)
class ListSort:
    """A sort order of the list, keyset-paginated like the list's own.

    `ordering` ends with "id" (the keyset must be unique) and names model fields or
    annotations that `prepare` adds; `prepare` may also narrow the rows to those that
    have the key at all. An index must serve the ordering, scoped or not.
    """

    key: str
    label: StrOrPromise
    order: int
    ordering: tuple[str, ...]
    prepare: Callable[[QuerySet[Client]], QuerySet[Client]]
    # Said above the results when this order is chosen (what it leaves out, say).
    note: StrOrPromise = ""


@dataclass(frozen=True)
class ListFilter:
    """A filter: its form field, and what a valid, non-empty value does to the rows."""

    key: str
    order: int
    field: Callable[[], forms.Field]
    apply: Callable[[QuerySet[Client], Any], QuerySet[Client]]


_columns: dict[str, ListColumn] = {}
_sorts: dict[str, ListSort] = {}
_filters: dict[str, ListFilter] = {}


# Keyed, so that registering again (a second ready(), a test) replaces, not repeats.
def column_register(column: ListColumn) -> None:
    _columns[column.key] = column


def sort_register(sort: ListSort) -> None:
    _sorts[sort.key] = sort


def filter_register(list_filter: ListFilter) -> None:
    _filters[list_filter.key] = list_filter


def columns() -> list[ListColumn]:
    return sorted(_columns.values(), key=lambda c: (c.order, c.key))


def sorts() -> list[ListSort]:
    return sorted(_sorts.values(), key=lambda s: (s.order, s.key))


def sort_of(key: str) -> ListSort | None:
    return _sorts.get(key)


def filters() -> list[ListFilter]:
    return sorted(_filters.values(), key=lambda f: (f.order, f.key))
