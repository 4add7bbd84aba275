"""Keyset (cursor) pagination.

Large OFFSETs make the database walk and discard every earlier row, and a count(*)
over the table costs a full scan, so list pages instead remember the sort key of the
row at the edge of the page and continue from it. Every page is then an index range
scan of page_size + 1 rows, whether it is the first page or the ten-thousandth.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

M = TypeVar("M", bound=models.Model)


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    items: list[M]
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def _fields(ordering: tuple[str, ...]) -> list[tuple[str, bool]]:
    """("-updated_at", "-id") -> [("updated_at", True), ("id", True)]."""
    return [(key.lstrip("-"), key.startswith("-")) for key in ordering]


def _encode(direction: str, values: list[Any]) -> str:
    payload = json.dumps({"d": direction, "v": [str(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _key_field(queryset: models.QuerySet[Any], name: str) -> models.Field[Any, Any]:
    """The model field, or the annotation's output field, that a sort key names."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    field = queryset.model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise InvalidCursor(name)
    return field


def _decode(
    queryset: models.QuerySet[Any], fields: list[tuple[str, bool]], cursor: str
) -> tuple[str, list[Any]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        direction = payload["d"]
        raw_values = payload["v"]
        if direction not in {"n", "p"} or len(raw_values) != len(fields):
            raise InvalidCursor(cursor)
        values = []
        for (name, _desc), raw in zip(fields, raw_values, strict=True):
            values.append(_key_field(queryset, name).to_python(raw))
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise InvalidCursor(cursor) from exc
    return direction, values


def _beyond(fields: list[tuple[str, bool]], values: list[Any], backwards: bool) -> Q:
    """Rows strictly after (or before) the given key in the given ordering.

    The first conjunct (key <= value, or >=) bounds the leading column so that the
    database starts an index range scan there instead of filtering from the top.
    """
    (lead_name, lead_desc), lead_value = fields[0], values[0]
    lead_down = lead_desc != backwards
    bound = Q(**{f"{lead_name}__{'lte' if lead_down else 'gte'}": lead_value})
    strictly = Q()
    for index, (name, desc) in enumerate(fields):
        down = desc != backwards
        condition = Q(**{f"{name}__{'lt' if down else 'gt'}": values[index]})
        for previous in range(index):
            condition &= Q(**{fields[previous][0]: values[previous]})
        strictly |= condition
    return bound & strictly


def keyset_paginate(
    queryset: models.QuerySet[M], *, ordering: tuple[str, ...], cursor: str | None, page_size: int
) -> KeysetPage[M]:
    """Return one page of the queryset in the given ordering (last key must be unique).

    The keys are model fields or annotations of the queryset (a related model's column
    annotated under a name of its own).

    1. Decode the cursor into a direction and the key of the row at the page edge.
    2. Query page_size + 1 rows beyond that key; the extra row tells whether more exist.
    3. For a backwards page, query in reverse order and flip the rows back.
    4. Build the cursors for the rows at both edges of the page.
    """
    fields = _fields(ordering)
    direction, values = ("n", []) if not cursor else _decode(queryset, fields, cursor)
    backwards = direction == "p"
    if values:
        queryset = queryset.filter(_beyond(fields, values, backwards))
    order = [f"{'-' if desc != backwards else ''}{name}" for name, desc in fields]
    rows = list(queryset.order_by(*order)[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()

    def key_of(row: M) -> list[Any]:
        return [getattr(row, name) for name, _desc in fields]

    next_cursor = prev_cursor = None
    if rows:
        if backwards or has_more:
            next_cursor = _encode("n", key_of(rows[-1]))
        if (backwards and has_more) or (not backwards and values):
            prev_cursor = _encode("p", key_of(rows[0]))
    return KeysetPage(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)
