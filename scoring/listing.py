"""Score and tier on the client list: columns, a sort and filters (see clients.listing)."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.db.models import F, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from clients.listing import (
    ListColumn,
    ListFilter,
    ListSort,
    column_register,
    filter_register,
    sort_register,
)
from clients.models import Client
from scoring.models import RuleSetVersion, Tier, VersionStatus

# Scores are sums of rule points; the bound keeps a typed number inside the column's
# integer range, so that no input reaches the database as an overflow.
SCORE_BOUND = 1_000_000


def _annotate(clients: QuerySet[Client]) -> QuerySet[Client]:
    # One LEFT JOIN on the score table's primary key serves both columns.
    return clients.annotate(value_score=F("value__score"), value_tier=F("value__tier"))


def _score_cell(client: Client) -> str:
    score = getattr(client, "value_score", None)
    return "—" if score is None else str(score)


def _tier_cell(client: Client) -> str:
    return getattr(client, "value_tier", None) or "—"


def _scored_only(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The rows the score order can page through: those with a score row.

    A client is scored from the first publish on (and at once when created after it),
    so only a database with no published version, or clients bulk-loaded since the
    last publish, lack one. Keyset paging needs a key on every row, and an inner join
    lets PostgreSQL walk the score index; the page says that unscored clients are not
    in this order.

    The scope stays the client's (visible_to): no condition on the score row's owner.
    Such a condition would be redundant, and PostgreSQL, counting it as independent of
    the client's owner, would underestimate the rows by the number of advisors and
    sort an advisor's whole book instead of walking the score index (seen in EXPLAIN
    with 60,000 clients: 167 ms instead of under 1 ms for an admin's tier).
    """
    return _annotate(clients).filter(value__score__isnull=False)


def tier_choices() -> list[tuple[str, str]]:
    """The tiers of the published version, best first: what scores are labelled with."""
    published = RuleSetVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by(
        "-published_at"
    )
    labels = Tier.objects.filter(version=Subquery(published.values("pk")[:1])).order_by(
        "-min_score", "id"
    )
    return [("", str(_("All tiers")))] + [
        (label, label) for label in labels.values_list("label", flat=True)
    ]


def _tier_field() -> forms.Field:
    # A callable: the choices are read when the field is validated or drawn, so a
    # results-only request without a tier costs no query; read once per form, as
    # Django calls it again on each use.
    return forms.ChoiceField(label=_("tier"), required=False, choices=functools.cache(tier_choices))


def _min_score_field() -> forms.Field:
    return forms.IntegerField(
        label=_("score from"),
        required=False,
        min_value=-SCORE_BOUND,
        max_value=SCORE_BOUND,
        widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
    )


def _by_tier(clients: QuerySet[Client], tier: Any) -> QuerySet[Client]:
    return clients.filter(value__tier=tier)


def _by_min_score(clients: QuerySet[Client], minimum: Any) -> QuerySet[Client]:
    return clients.filter(value__score__gte=minimum)


def register() -> None:
    column_register(
        ListColumn(key="score", label=_("Score"), order=10, annotate=_annotate, cell=_score_cell)
    )
    column_register(
        ListColumn(key="tier", label=_("Tier"), order=11, annotate=_annotate, cell=_tier_cell)
    )
    # Best first; ties by id, as in the P100 list, which the (score, client) index serves.
    sort_register(
        ListSort(
            key="score",
            label=_("Highest score"),
            order=10,
            ordering=("-value_score", "id"),
            prepare=_scored_only,
            note=_("Clients not scored yet are not listed in this order."),
        )
    )
    filter_register(ListFilter(key="tier", order=10, field=_tier_field, apply=_by_tier))
    filter_register(
        ListFilter(key="min_score", order=11, field=_min_score_field, apply=_by_min_score)
    )
