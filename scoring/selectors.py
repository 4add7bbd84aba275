"""Reads of scoring: versions, preview of a draft, P100 lists and reviews."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, TypedDict, TypeVar

from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Abs, Cast, Coalesce, Floor, RowNumber
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from advisor_crm.accounts.models import Role, User
from advisor_crm.accounts.selectors import users_overseen_by
from clients.models import Client, age_on
from clients.money import format_yuan
from clients.templatetags.clients_extras import label_of
from scoring.explain import Explanation, explain
from scoring.models import ClientScore, P100Note, P100Review, RuleSetVersion, VersionStatus
from scoring.services import compile_version

P100_SIZE = 100
HISTOGRAM_BUCKET = 10

T = TypeVar("T")


def published_version() -> RuleSetVersion | None:
    return (
        RuleSetVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by("-published_at")
        .first()
    )


# The client facts a P100 list shows and exports; loading only these (not the wide
# client row) keeps building the hundred objects cheap.
P100_CLIENT_FIELDS = (
    "name", "owner", "archived_at", "birth_date", "annual_income", "industry",
    "cvm_stage", "last_contact_at", "next_action",
)  # fmt: skip


def p100(*, advisor: User) -> list[ClientScore]:
    """An advisor's 100 best active clients, by score then id (stable for ties)."""
    return _p100_fetch(
        advisor,
        lambda scores: list(
            scores.select_related("client").only(
                "score", "tier", *(f"client__{name}" for name in P100_CLIENT_FIELDS)
            )
        ),
    )


class P100Entry(NamedTuple):
    """What a P100 table shows of one client of the list."""

    client_id: int
    score: int
    tier: str
    name: str
    birth_date: dt.date | None
    annual_income: Decimal | None
    industry: str
    cvm_stage: str
    last_contact_at: dt.date | None
    next_action: str

    @classmethod
    def of(cls, score: ClientScore) -> P100Entry:
        c = score.client
        return cls(
            score.client_id, score.score, score.tier, c.name, c.birth_date, c.annual_income,
            c.industry, c.cvm_stage, c.last_contact_at, c.next_action,
        )  # fmt: skip


def p100_entries(*, advisor: User) -> list[P100Entry]:
    """The list of p100() as plain tuples, for a page that only prints it.

    Building a hundred model instances (two each, with select_related) cost more than
    the query; the advisor's own page needs none.
    """
    columns = ["client_id", "score", "tier"] + [f"client__{name}" for name in P100Entry._fields[3:]]
    return _p100_fetch(
        advisor, lambda scores: [P100Entry._make(row) for row in scores.values_list(*columns)]
    )


def _p100_fetch(advisor: User, read: Callable[[QuerySet[ClientScore]], list[T]]) -> list[T]:
    """Read an advisor's P100 list with `read`, by score then id (stable for ties).

    1. Walk the (owner, score) index of ClientScore alone for twice the list's length
       (a subquery): joining the client table first lets the planner scan all the
       advisor's clients.
    2. Keep those whose client is still this advisor's and not archived, so a client
       moved to another advisor since the last rescoring never shows on the old list.
    3. If that leaves fewer than 100 (an advisor with fewer clients, or the rare list
       with many archived at the top), ask the join.
    """
    ordered = ClientScore.objects.filter(owner=advisor).order_by("-score", "client_id")
    candidates = ordered.values("client_id")[: P100_SIZE * 2]
    kept = ClientScore.objects.filter(client_id__in=Subquery(candidates))
    probe = read(_p100_filter(kept, advisor)[:P100_SIZE])
    if len(probe) == P100_SIZE:
        return probe
    return read(_p100_filter(ordered, advisor)[:P100_SIZE])


def _p100_filter(scores: QuerySet[ClientScore], advisor: User) -> QuerySet[ClientScore]:
    return scores.filter(client__owner=advisor, client__archived_at__isnull=True).order_by(
        "-score", "client_id"
    )


class P100Row(TypedDict):
    """One line of a P100 table, every cell ready to print.

    A dict rather than an object: the template finds a dict's keys at the first try.
    Numbers come as text too: the template would run each through number formatting
    (which, without thousands separators, prints them as str() does).
    """

    rank: str
    client_id: int
    url: str
    name: str
    tier: str
    score: str
    age: str
    annual_income: str
    industry: str
    cvm_stage: str
    last_contact: str
    next_action: str
    entered: bool
    flagged: bool
    comment: str
    # The note of the last review on this client, and the advisor's answer to it.
    note_id: int | None
    reply: str
    acknowledged_at: str


def p100_rows(
    entries: list[P100Entry],
    *,
    entered: Iterable[Client] = (),
    notes: dict[int, P100Note] | None = None,
) -> list[P100Row]:
    """The table lines of a P100 list, formatted here rather than in the template.

    A hundred rows of template filters, lookups and {% url %} tags took most of the
    page's time; now each cell costs the template one lookup.
    """
    entered_ids = {c.pk for c in entered}
    notes = notes or {}
    today = timezone.localdate()
    # reverse() walks the URL resolver on every call; the client page's URL differs
    # only by the id, so reverse a placeholder id once and fill the real ones in.
    placeholder = 987654321
    detail_url = reverse("clients:detail", args=[placeholder]).replace(str(placeholder), "{}")
    # Few distinct choices on a list of a hundred: translate each label once.
    labels: dict[tuple[str, str], str] = {}

    def label(entry: P100Entry, field_name: str) -> str:
        key = (field_name, getattr(entry, field_name))
        if key not in labels:
            labels[key] = label_of(entry, field_name)
        return labels[key]

    rows = []
    for rank, entry in enumerate(entries, start=1):
        note = notes.get(entry.client_id)
        born = entry.birth_date
        rows.append(
            P100Row(
                rank=str(rank),
                client_id=entry.client_id,
                url=detail_url.format(entry.client_id),
                name=entry.name,
                tier=entry.tier or "—",
                score=str(entry.score),
                # Client.age, with today read once for the list.
                age="—" if born is None else str(age_on(born, today)),
                annual_income=format_yuan(entry.annual_income),
                industry=label(entry, "industry") or "—",
                cvm_stage=label(entry, "cvm_stage"),
                last_contact=entry.last_contact_at.isoformat() if entry.last_contact_at else "—",
                next_action=entry.next_action or "—",
                entered=entry.client_id in entered_ids,
                flagged=bool(note and note.flagged),
                comment=note.comment if note else "",
                note_id=note.pk if note else None,
                reply=note.reply if note else "",
                acknowledged_at=_local_minute(note.acknowledged_at) if note else "",
            )
        )
    return rows


def team_advisors(*, lead: User) -> QuerySet[User]:
    """The active advisors a user oversees: a lead's team, or every advisor for an admin.

    A P100 list is an advisor's, so the lead themselves is not among them.
    """
    overseen = users_overseen_by(user=lead)
    return overseen.filter(role=Role.ADVISOR, is_active=True).order_by("username")


def advisor_for_reviewer(*, reviewer: User, advisor_id: int) -> User:
    """An advisor whose P100 the user may review: one they oversee, or 404.

    Unlike the team page, this does not ask that the advisor be active: the review
    and the export of an advisor who has left still open from a direct link.
    """
    overseen = users_overseen_by(user=reviewer)
    return get_object_or_404(overseen.filter(role=Role.ADVISOR), pk=advisor_id)


def last_review(*, advisor: User) -> P100Review | None:
    return P100Review.objects.filter(advisor=advisor).select_related("reviewer").first()


def review_notes(review: P100Review | None) -> dict[int, P100Note]:
    """The notes of a review by client id (none without a review)."""
    return {n.client_id: n for n in review.notes.all()} if review else {}


def _local_minute(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


class NoteCells(TypedDict):
    """A note as scoring/p100_note.html prints it (the same keys as in a P100Row)."""

    note_id: int
    flagged: bool
    comment: str
    reply: str
    acknowledged_at: str
    reviewer: str
    reviewed_at: str


def note_cells(note: P100Note) -> NoteCells:
    return NoteCells(
        note_id=note.pk,
        flagged=note.flagged,
        comment=note.comment,
        reply=note.reply,
        acknowledged_at=_local_minute(note.acknowledged_at),
        reviewer=str(note.review.reviewer),
        reviewed_at=_local_minute(note.review.created_at),
    )


def client_note(*, client: Client) -> P100Note | None:
    """The note on a client in the last review of the P100 of the client's owner.

    Only the current owner's last review counts: a note from before the client moved
    to another advisor, or one a later review dropped, no longer asks anything of
    anyone. The caller has already checked that the user may see the client.
    """
    last = P100Review.objects.filter(advisor_id=client.owner_id).order_by("-created_at", "-id")
    return (
        P100Note.objects.filter(client=client, review=Subquery(last.values("pk")[:1]))
        .select_related("review__reviewer")
        .first()
    )


def note_for_advisor(*, user: User, note_id: int) -> P100Note:
    """A note the user may answer, or 404: one on their own client, in a review of their list.

    Leads and admins write notes; only the advisor whose list was reviewed answers them.
    """
    notes = P100Note.objects.filter(review__advisor=user, client__owner=user)
    return get_object_or_404(notes.select_related("review__reviewer", "client"), pk=note_id)


@dataclass
class Churn:
    entered: list[Client]
    left: list[Client]


def churn_since(*, current: list[ClientScore], review: P100Review | None) -> Churn:
    if review is None:
        return Churn([], [])
    before = set(review.snapshot)
    now_ids = {s.client_id for s in current}
    left = list(Client.objects.filter(pk__in=before - now_ids).order_by("name"))
    return Churn(entered=[s.client for s in current if s.client_id not in before], left=left)


@dataclass
class AdvisorRow:
    advisor: User
    tier_counts: dict[str, int]
    review: P100Review | None
    size: int


def team_overview(*, lead: User) -> list[AdvisorRow]:
    """Each advisor of the lead's team with their P100's tiers and last review.

    A constant three queries whatever the team's size. On PostgreSQL a LATERAL join
    reads each advisor's top 100 straight from the (owner, score) index; SQLite, the
    laptop default with small data, ranks with a window function instead.
    """
    advisors = list(team_advisors(lead=lead))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for owner_id, tier, n in _p100_tier_counts([a.pk for a in advisors]):
        counts[owner_id][tier] += n
    latest: dict[int, P100Review] = {}
    reviews = (
        P100Review.objects.filter(advisor__in=advisors)
        .select_related("reviewer")
        .order_by("advisor_id", "-created_at")
    )
    for review in reviews:
        latest.setdefault(review.advisor_id, review)
    return [
        AdvisorRow(a, dict(counts[a.pk]), latest.get(a.pk), sum(counts[a.pk].values()))
        for a in advisors
    ]


_P100_TIERS_LATERAL = """
SELECT u.id, top.tier, COUNT(*) FROM accounts_user u
CROSS JOIN LATERAL (
    SELECT s.tier FROM scoring_clientscore s JOIN clients_client c ON c.id = s.client_id
    WHERE s.owner_id = u.id AND c.owner_id = u.id AND c.archived_at IS NULL
    ORDER BY s.score DESC, s.client_id LIMIT %s
) top
WHERE u.id = ANY(%s) GROUP BY u.id, top.tier
"""


def _p100_tier_counts(advisor_ids: list[int]) -> list[tuple[int, str, int]]:
    if not advisor_ids:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_P100_TIERS_LATERAL, [P100_SIZE, advisor_ids])
            return [(owner, tier, n) for owner, tier, n in cursor.fetchall()]
    ranked = (
        ClientScore.objects.filter(
            owner__in=advisor_ids, client__owner_id=F("owner_id"), client__archived_at__isnull=True
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("owner_id")],
                order_by=[F("score").desc(), F("client_id").asc()],
            )
        )
        .filter(rank__lte=P100_SIZE)
        .values_list("owner_id", "tier")
    )
    result: dict[tuple[int, str], int] = defaultdict(int)
    for owner_id, tier in ranked:
        result[(owner_id, tier)] += 1
    return [(owner, tier, n) for (owner, tier), n in result.items()]


@dataclass
class Preview:
    total: int
    histogram: list[tuple[int, int, int]]  # bucket start, clients now, clients with the draft
    tiers: list[str]
    migration: dict[tuple[str, str], int]
    churn: list[dict[str, Any]]
    samples: list[tuple[Client, int, Explanation]] = field(default_factory=list)

    def cell(self, old: str, new: str) -> int:
        return self.migration.get((old, new), 0)


def preview(*, draft: RuleSetVersion, as_of: dt.date | None = None) -> Preview:
    """What publishing the draft would do, computed in SQL on every client.

    1. Score distribution now and with the draft, in buckets of 10 points.
    2. Tier migration: clients per (current tier, draft tier).
    3. P100 churn per advisor: who would enter and leave their top 100.
    4. The five clients whose score would change most, with the draft's explanation.
    """
    day = as_of or timezone.localdate()
    compiled = compile_version(draft, day, cached=True)
    scored = Client.objects.annotate(
        new_score=compiled.score,
        new_tier=compiled.tier,
        old_score=F("value__score"),
        old_tier=F("value__tier"),
    )
    now_counts = dict(
        ClientScore.objects.annotate(b=_bucket(F("score")))
        .values("b")
        .annotate(n=Count("pk"))
        .values_list("b", "n")
    )
    new_counts = dict(
        scored.annotate(b=_bucket(F("new_score")))
        .values("b")
        .annotate(n=Count("pk"))
        .values_list("b", "n")
    )
    buckets = sorted(set(now_counts) | set(new_counts))
    histogram = [(b, now_counts.get(b, 0), new_counts.get(b, 0)) for b in buckets]
    migration = {
        (row["old_tier"] or "", row["new_tier"]): row["n"]
        for row in scored.values("old_tier", "new_tier").annotate(n=Count("pk")).order_by()
    }
    tiers = [t.label for t in sorted(draft.tiers.all(), key=lambda t: -t.min_score)]
    old_tiers = sorted({old for old, _new in migration} - set(tiers))
    churn = _p100_churn(scored)
    movers = (
        scored.filter(archived_at__isnull=True)
        .annotate(change=Abs(F("new_score") - Coalesce(F("old_score"), Value(0))))
        .order_by("-change", "id")[:5]
    )
    samples = [(c, c.new_score, explain(c, draft, day)) for c in movers]  # type: ignore[attr-defined]
    total = Client.objects.count()
    return Preview(total, histogram, tiers + old_tiers, migration, churn, samples)


def _p100_churn(scored: QuerySet[Client]) -> list[dict[str, Any]]:
    active = scored.filter(archived_at__isnull=True, owner__role=Role.ADVISOR)
    order_now = [F("old_score").desc(nulls_last=True), F("id").asc()]
    order_new = [F("new_score").desc(), F("id").asc()]
    ranked = (
        active.annotate(
            rank_now=Window(RowNumber(), partition_by=[F("owner_id")], order_by=order_now),
            rank_new=Window(RowNumber(), partition_by=[F("owner_id")], order_by=order_new),
        )
        .filter(rank_now__lte=P100_SIZE)
        .values("pk", "name", "owner_id", "rank_now", "rank_new")
    )
    ranked_new = (
        active.annotate(
            rank_now=Window(RowNumber(), partition_by=[F("owner_id")], order_by=order_now),
            rank_new=Window(RowNumber(), partition_by=[F("owner_id")], order_by=order_new),
        )
        .filter(rank_new__lte=P100_SIZE, rank_now__gt=P100_SIZE)
        .values("pk", "name", "owner_id")
    )
    leaving: dict[int, list[str]] = defaultdict(list)
    entering: dict[int, list[str]] = defaultdict(list)
    for row in ranked:
        if row["rank_new"] > P100_SIZE:
            leaving[row["owner_id"]].append(row["name"])
    for row in ranked_new:
        entering[row["owner_id"]].append(row["name"])
    owners = {u.pk: u for u in User.objects.filter(pk__in=set(leaving) | set(entering))}
    return [
        {"advisor": owners[pk], "entering": entering.get(pk, []), "leaving": leaving.get(pk, [])}
        for pk in sorted(owners, key=lambda pk: owners[pk].username)
    ]


def _bucket(expr: Any) -> Cast:
    """The start of the expression's histogram bucket (floor to a multiple of 10)."""
    return Cast(
        Floor(Cast(expr, FloatField()) / HISTOGRAM_BUCKET) * HISTOGRAM_BUCKET, IntegerField()
    )


def score_of(*, client: Client) -> ClientScore | None:
    return ClientScore.objects.filter(client=client).select_related("version").first()


def score_history(*, client: Client, limit: int = 20) -> QuerySet[Any]:
    from scoring.models import ScoreHistory

    return (
        ScoreHistory.objects.filter(client=client)
        .select_related("version")
        .order_by("-created_at", "-id")[:limit]
    )
