"""Layouts of the three KYC pictures: family tree, asset structure, money flow.

The functions here compute coordinates only; the SVG is written by the template
partials in kyc/pictures.html, which the web page and the plan PDF share.
Everything is plain SVG (no script, no foreignObject), so WeasyPrint draws it too.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from unicodedata import east_asian_width

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.money import format_short
from kyc.kinship import Kinship
from kyc.models import (
    GENERATION,
    Allocation,
    AssetCategory,
    Holding,
    LiabilityKind,
    MaritalProperty,
    Person,
    Place,
    ReceivedAs,
    Relationship,
)
from kyc.selectors import Kyc

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"
SLOT = 124  # horizontal distance between people
ROW = 132  # vertical distance between generations
SYMBOL = 38  # size of a person's square or circle
# Baselines of a person's two labels below the symbol, and how far down they reach.
NAME_BASELINE, NAME_SIZE = 36, 13
DETAIL_BASELINE, DETAIL_SIZE = 51, 11
LABELS_BOTTOM = DETAIL_BASELINE + 5
MARGIN = 40
GROUP_GAP = 28
LEGEND_PER_LINE = 3
PALETTE = [
    "#0f5c8c",
    "#3d8fc4",
    "#8cc0e0",
    "#f2a541",
    "#d9534f",
    "#6c9a45",
    "#9b6bc2",
    "#8a8f98",
    "#c97b2a",
    "#4e6e81",
]


@dataclass
class TreeNode:
    person: Person
    x: float = 0
    y: float = 0
    is_client: bool = False

    @property
    def half(self) -> float:
        return SYMBOL / 2

    @property
    def is_male(self) -> bool:
        return self.person.gender == "male"

    @property
    def age_label(self) -> str:
        age = self.person.current_age
        if self.person.is_deceased:
            return _("deceased")
        return "" if age is None else _("%(age)s yrs") % {"age": age}

    @property
    def overseas(self) -> bool:
        return self.person.residence == Place.OVERSEAS or self.person.nationality == Place.OVERSEAS

    @property
    def detail_label(self) -> str:
        relationship = str(self.person.get_relationship_display())
        return f"{relationship} · {self.age_label}" if self.age_label else relationship

    @property
    def label_boxes(self) -> list[Box]:
        """Where the name and the relationship line are drawn (centred under the symbol)."""
        boxes = []
        for text, baseline, size in (
            (self.person.name, NAME_BASELINE, NAME_SIZE),
            (self.detail_label, DETAIL_BASELINE, DETAIL_SIZE),
        ):
            half = text_width(text, size) / 2
            boxes.append(
                Box(self.x - half, self.y + baseline - size, self.x + half, self.y + baseline + 3)
            )
        return boxes


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float

    def crosses(self, box: Box) -> bool:
        """Whether this horizontal or vertical line passes through the box."""
        if self.x1 == self.x2:
            low, high = sorted((self.y1, self.y2))
            return box.left <= self.x1 <= box.right and low < box.bottom and high > box.top
        low, high = sorted((self.x1, self.x2))
        return box.top <= self.y1 <= box.bottom and low < box.right and high > box.left


@dataclass
class Couple:
    left: TreeNode
    right: TreeNode
    divorced: bool

    @property
    def mid_x(self) -> float:
        return (self.left.x + self.right.x) / 2

    @property
    def y(self) -> float:
        return self.left.y

    @property
    def line(self) -> Line:
        return Line(self.left.x, self.y, self.right.x, self.y)


@dataclass
class Descent:
    """Lines from one parent unit down to its children."""

    from_x: float
    from_y: float
    bar_y: float
    children: list[TreeNode]

    @property
    def lines(self) -> list[Line]:
        """The trunk from the parents, the bar over the children, one drop to each child."""
        return [
            Line(self.from_x, self.from_y, self.from_x, self.bar_y),
            Line(self.bar_left, self.bar_y, self.bar_right, self.bar_y),
            *(Line(c.x, self.bar_y, c.x, c.y - SYMBOL / 2) for c in self.children),
        ]

    @property
    def bar_left(self) -> float:
        return min([self.from_x, *(c.x for c in self.children)])

    @property
    def bar_right(self) -> float:
        return max([self.from_x, *(c.x for c in self.children)])


@dataclass
class FamilyTree:
    width: float
    height: float
    nodes: list[TreeNode]
    couples: list[Couple]
    descents: list[Descent]
    stakeholders: list[TreeNode]
    stakeholder_y: float
    font: str = FONT

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.stakeholders

    @property
    def lines(self) -> list[Line]:
        return [c.line for c in self.couples] + [line for d in self.descents for line in d.lines]


def _place_groups(groups: list[tuple[float, list[TreeNode]]], y: float) -> None:
    """Centre each group of siblings under its anchor, pushing right to avoid overlap."""
    cursor = float("-inf")
    for anchor, members in sorted(groups, key=lambda g: g[0]):
        width = (len(members) - 1) * SLOT
        start = max(
            anchor - width / 2,
            cursor + SLOT + GROUP_GAP if cursor > float("-inf") else anchor - width / 2,
        )
        for index, node in enumerate(members):
            node.x = start + index * SLOT
            node.y = y
        cursor = start + width


def _trunk_x(parents: list[TreeNode], nodes: list[TreeNode]) -> float:
    """Where the line down to the children leaves the parents.

    Between a couple, unless someone stands there (a client's second ex-spouse between
    the first and the client): then in the free gap next to them.
    """
    middle = sum(n.x for n in parents) / len(parents)
    if len(parents) == 1:
        return middle
    y = parents[0].y
    row = sorted((n for n in nodes if n.y == y), key=lambda n: n.x)
    low, high = sorted(n.x for n in parents)
    gaps = [(a.x + b.x) / 2 for a, b in itertools.pairwise(row) if low <= a.x and b.x <= high]
    for x in sorted([middle, *gaps], key=lambda x: abs(x - middle)):
        trunk = Line(x, y, x, y + LABELS_BOTTOM)
        if not any(trunk.crosses(box) for n in row for box in n.label_boxes):
            return x
    return middle


def family_tree(kyc: Kyc) -> FamilyTree:
    """Lay out the genogram.

    1. Put the client's generation in one row: siblings, ex-spouses, the client, spouse.
    2. Place each younger generation under its parents' couple, children of one couple
       side by side, groups pushed apart where they would overlap.
    3. Place each older generation above the child it belongs to (parents above the
       client, parents-in-law above the spouse).
    4. Shift everything right so that nothing is cut off; stakeholders go in a last row.
    """
    nodes = {p.pk: TreeNode(p, is_client=p.relationship == Relationship.SELF) for p in kyc.people}
    kinship = Kinship(kyc)
    in_tree = {pk: n for pk, n in nodes.items() if pk in kinship.family_ids}
    parents = kinship.parents
    marriages = [m for m in kinship.marriages if m.first in in_tree and m.second in in_tree]
    rows: dict[int, list[TreeNode]] = defaultdict(list)
    for node in in_tree.values():
        rows[GENERATION[node.person.relationship]].append(node)  # type: ignore[index]

    def y_of(generation: int) -> float:
        return MARGIN + 20 + (generation - min(rows, default=0)) * ROW

    # 1. The client's generation.
    order: dict[str, int] = {
        Relationship.SIBLING: 0,
        Relationship.EX_SPOUSE: 1,
        Relationship.SELF: 2,
        Relationship.SPOUSE: 3,
    }
    row0 = sorted(
        rows.get(0, []),
        key=lambda n: (order.get(n.person.relationship, 4), n.person.birth_year or 0),
    )
    for index, node in enumerate(row0):
        node.x, node.y = index * SLOT, y_of(0)

    # 2. Younger generations, under their parents.
    for generation in (1, 2):
        groups: dict[frozenset[int], list[TreeNode]] = defaultdict(list)
        for node in sorted(rows.get(generation, []), key=lambda n: n.person.birth_year or 0):
            placed_parents = frozenset(
                pk for pk in parents.get(node.person.pk, set()) if pk in in_tree
            )
            groups[placed_parents].append(node)
        anchored = []
        for parent_ids, members in groups.items():
            xs = [in_tree[pk].x for pk in parent_ids if in_tree[pk].y]
            anchored.append((sum(xs) / len(xs) if xs else 0.0, members))
        _place_groups(anchored, y_of(generation))

    # 3. Older generations, above their children.
    for generation in (-1, -2):
        groups_up: dict[int | None, list[TreeNode]] = defaultdict(list)
        for node in rows.get(generation, []):
            child = next(
                (
                    pk
                    for pk, ps in parents.items()
                    if node.person.pk in ps and pk in in_tree and in_tree[pk].y
                ),
                None,
            )
            groups_up[child].append(node)
        anchored = []
        for child_pk, members in groups_up.items():
            members.sort(key=lambda n: n.person.gender != "male")
            anchored.append((in_tree[child_pk].x if child_pk else 0.0, members))
        _place_groups(anchored, y_of(generation))

    # 4. Shift into view; stakeholders in the last row.
    tree_nodes = list(in_tree.values())
    min_x = min((n.x for n in tree_nodes), default=0)
    for node in tree_nodes:
        node.x += MARGIN + SYMBOL - min_x
    stakeholders = [n for pk, n in nodes.items() if pk not in in_tree]
    stakeholder_y = (
        (max((n.y for n in tree_nodes), default=MARGIN) + ROW) if tree_nodes else MARGIN + 20
    )
    for index, node in enumerate(stakeholders):
        node.x, node.y = MARGIN + SYMBOL + index * SLOT, stakeholder_y
    couples = []
    for marriage in marriages:
        left, right = sorted((in_tree[marriage.first], in_tree[marriage.second]), key=lambda n: n.x)
        if left.y == right.y:
            couples.append(Couple(left, right, marriage.divorced))
    descents = []
    by_parents: dict[frozenset[int], list[TreeNode]] = defaultdict(list)
    for child_pk, known_parents in parents.items():
        placed_ids = frozenset(pk for pk in known_parents if pk in in_tree)
        if child_pk in in_tree and placed_ids:
            by_parents[placed_ids].append(in_tree[child_pk])
    for parent_ids, children in by_parents.items():
        parent_nodes = [in_tree[pk] for pk in parent_ids]
        from_x = _trunk_x(parent_nodes, tree_nodes)
        # A couple's trunk leaves their marriage line, between their names; one
        # parent's leaves below their name and relationship, not through them.
        from_y = max(n.y for n in parent_nodes) + (0 if len(parent_nodes) > 1 else LABELS_BOTTOM)
        child_y = min(c.y for c in children)
        descents.append(
            Descent(from_x, from_y, child_y - SYMBOL / 2 - 22, sorted(children, key=lambda c: c.x))
        )
    all_nodes = tree_nodes + stakeholders
    width = max((n.x for n in all_nodes), default=0) + SYMBOL + MARGIN
    height = max((n.y for n in all_nodes), default=0) + SYMBOL + 56
    return FamilyTree(
        width=max(width, 320),
        height=max(height, 160),
        nodes=tree_nodes,
        couples=couples,
        descents=descents,
        stakeholders=stakeholders,
        stakeholder_y=stakeholder_y,
    )


@dataclass
class Segment:
    label: str
    amount: Decimal
    share: float
    x: float = 0
    width: float = 0
    color: str = ""
    hatched: bool = False


@dataclass
class LegendLine:
    y: float
    segments: list[Segment]


@dataclass
class Bar:
    title: str
    y: float
    segments: list[Segment]
    total: Decimal
    legend: list[LegendLine] = field(default_factory=list)


@dataclass
class AssetStructure:
    width: float
    height: float
    bar_x: float
    bar_width: float
    bars: list[Bar]
    assets_total: Decimal
    debts_total: Decimal
    guarantees_total: Decimal
    net_worth: Decimal
    font: str = FONT

    @property
    def empty(self) -> bool:
        return not self.assets_total and not self.debts_total and not self.guarantees_total


def _bar(
    title: str,
    parts: Iterable[tuple[str, Decimal, bool]],
    y: float,
    x: float,
    width: float,
    scale: Decimal,
) -> Bar:
    segments = [
        Segment(label, amount, 0, hatched=hatched) for label, amount, hatched in parts if amount > 0
    ]
    total = sum((s.amount for s in segments), Decimal(0))
    cursor = x
    for index, segment in enumerate(segments):
        segment.share = float(segment.amount / total) if total else 0
        segment.width = float(segment.amount / scale) * width if scale else 0
        segment.x = cursor
        segment.color = PALETTE[index % len(PALETTE)]
        cursor += segment.width
    return Bar(title, y, segments, total)


def asset_structure(kyc: Kyc) -> AssetStructure:
    """Totals by each of the three classifications, by category, and debts beside them.

    Every bar uses the same scale (the larger of assets and liabilities), so lengths
    compare across bars: a guarantee as long as the assets bar is as big as all assets.
    """
    assets = kyc.assets

    def by(attribute: str, choices: type[models.Choices]) -> list[tuple[str, Decimal, bool]]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for asset in assets:
            totals[getattr(asset, attribute)] += asset.value
        return [
            (str(label), totals[value], False) for value, label in choices.choices if totals[value]
        ]

    liabilities_parts: dict[str, Decimal] = defaultdict(Decimal)
    for liability in kyc.liabilities:
        # A loan of someone else that the household guarantees is drawn as a guarantee,
        # however it was entered (Liability.is_guarantee).
        kind = LiabilityKind.GUARANTEE if liability.is_guarantee else liability.kind
        liabilities_parts[kind] += liability.amount
    debt_parts = [
        (str(label), liabilities_parts[value], value == LiabilityKind.GUARANTEE)
        for value, label in LiabilityKind.choices
        if liabilities_parts[value]
    ]
    scale = max(kyc.assets_total, sum(liabilities_parts.values(), Decimal(0)), Decimal(1))
    bar_x, bar_width = 190.0, 520.0
    specs = [
        (_("Enterprise / family"), by("holding", Holding)),
        (_("Personal / marital"), by("marital", MaritalProperty)),
        (_("Domestic / overseas"), by("location", Place)),
        (_("By category"), by("category", AssetCategory)),
        (_("Liabilities and guarantees"), debt_parts),
    ]
    bars = []
    y = 56.0
    for title, parts in specs:
        bar = _bar(title, parts, y, bar_x, bar_width, scale)
        # A few legend entries per line keep long category lists inside the picture.
        for start in range(0, max(len(bar.segments), 1), LEGEND_PER_LINE):
            line_y = y + 38 + (start // LEGEND_PER_LINE) * 16
            bar.legend.append(LegendLine(line_y, bar.segments[start : start + LEGEND_PER_LINE]))
        bars.append(bar)
        y = bar.legend[-1].y + 26
    return AssetStructure(
        width=bar_x + bar_width + 30,
        height=y,
        bar_x=bar_x,
        bar_width=bar_width,
        bars=bars,
        assets_total=kyc.assets_total,
        debts_total=kyc.debts_total,
        guarantees_total=kyc.guarantees_total,
        net_worth=kyc.net_worth,
    )


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of how wide `text` is drawn in Noto Sans CJK, in user units.

    Chinese characters and other wide ones take a full em; Latin letters, digits and
    punctuation about half of one (0.6 errs on the wide side).
    """
    return sum(1.0 if east_asian_width(c) in ("W", "F") else 0.6 for c in text) * font_size


@dataclass(frozen=True)
class LabelPosition:
    x: float
    y: float
    anchor: str  # SVG text-anchor
    inside: bool  # white on the bar rather than dark beside it


FLOW_LABEL_SIZE = 11


@dataclass
class FlowRow:
    label: str
    purpose: str
    amount_label: str
    condition: str
    keep_control: bool
    y: float
    x1: float
    x2: float
    open_ended: bool
    color: str
    # Paid once, in the year at x1: drawn as a diamond, not a bar.
    lump_sum: bool = False
    # How the recipient holds it, when not plainly paid (kyc.models.ReceivedAs).
    held_label: str = ""
    # Where labels may go: right of the names column, left of the picture's edge.
    left_limit: float = 0
    right_limit: float = float("inf")

    @property
    def bar_width(self) -> float:
        return max(self.x2 - self.x1, 4)

    @property
    def label_text(self) -> str:
        return " · ".join(
            part for part in (self.amount_label, self.condition, self.held_label) if part
        )

    @property
    def reach(self) -> float:
        """How far the mark reaches left of x1: a lump sum's diamond is 10 wide each way."""
        return 10 if self.lump_sum else 0

    @property
    def lock_x(self) -> float:
        """Where the lock of a kept control starts, clear of the mark."""
        return self.x1 - self.reach - 16

    @cached_property
    def label_position(self) -> LabelPosition:
        """Inside the bar if it is long enough, else beside it, else under it.

        Beside means after the bar's end (past its arrow), or, when that would run off
        the picture, before its start (past the lock of a kept control).
        """
        needed = text_width(self.label_text, FLOW_LABEL_SIZE)
        baseline = self.y + 5
        if needed + 12 <= self.bar_width:
            return LabelPosition(self.x1 + 6, baseline, "start", inside=True)
        after = self.x2 + 14
        if after + needed <= self.right_limit:
            return LabelPosition(after, baseline, "start", inside=False)
        before = self.lock_x - 6 if self.keep_control else self.x1 - self.reach - 6
        if before - needed >= self.left_limit:
            return LabelPosition(before, baseline, "end", inside=False)
        # Under the bar, from its start or as far left as the label needs.
        x = max(self.left_limit, min(self.x1, self.right_limit - needed))
        return LabelPosition(x, self.y + 24, "start", inside=False)


@dataclass
class Tick:
    year: int
    x: float


@dataclass
class MoneyFlow:
    width: float
    height: float
    axis_x: float
    axis_y: float
    axis_end: float
    rows: list[FlowRow]
    ticks: list[Tick]
    now_x: float
    font: str = FONT

    @property
    def empty(self) -> bool:
        return not self.rows


def _held_label(allocation: Allocation) -> str:
    if allocation.received_as == ReceivedAs.TRUST:
        return _("through %(trust)s") % {"trust": allocation.trust_name}
    if allocation.stays_personal:
        return _("personal property")
    return ""


def money_flow(
    kyc: Kyc, *, label_width: float = 190, plot_width: float = 520, row_height: float = 46
) -> MoneyFlow:
    """Who receives what, from when to when, on a shared year axis."""
    this_year = timezone.localdate().year
    allocations = sorted(kyc.allocations, key=lambda a: (a.start_year, a.person_id))
    first = min([this_year, *(a.start_year for a in allocations)])
    last = max([this_year + 10, *((a.end_year or a.start_year + 10) for a in allocations)])
    last = min(last, first + 60)
    span = max(last - first, 1)

    def x_of(year: int) -> float:
        return label_width + (min(max(year, first), last) - first) / span * plot_width

    rows = []
    for index, allocation in enumerate(allocations):
        if allocation.lump_sum is not None:
            amount = _("%(amount)s once") % {"amount": format_short(allocation.lump_sum)}
        elif allocation.annual_amount is not None:
            amount = _("%(amount)s a year") % {"amount": format_short(allocation.annual_amount)}
        else:
            share = allocation.share_percent or Decimal(0)
            amount = _("%(share)s%% of wealth") % {"share": f"{share.normalize():f}"}
        rows.append(
            FlowRow(
                label=str(allocation.person),
                purpose=allocation.get_purpose_display(),
                amount_label=amount,
                condition=allocation.condition,
                keep_control=allocation.keep_control,
                y=60 + index * row_height,
                x1=x_of(allocation.start_year),
                x2=x_of(allocation.start_year)
                if allocation.is_lump_sum
                else x_of(allocation.end_year or last),
                open_ended=allocation.end_year is None and not allocation.is_lump_sum,
                color=PALETTE[index % len(PALETTE)],
                lump_sum=allocation.is_lump_sum,
                held_label=_held_label(allocation),
                left_limit=label_width,
                right_limit=label_width + plot_width + 40 - 4,
            )
        )
    step = 5 if span > 15 else (2 if span > 6 else 1)
    ticks = [
        Tick(year, x_of(year))
        for year in range(first - first % step + step, last + 1, step)
        if year >= first
    ]
    ticks = [Tick(first, x_of(first)), *ticks] if not ticks or ticks[0].year != first else ticks
    axis_y = 60 + len(rows) * row_height
    return MoneyFlow(
        width=label_width + plot_width + 40,
        height=axis_y + 40,
        axis_x=label_width,
        axis_y=axis_y,
        axis_end=label_width + plot_width,
        rows=rows,
        ticks=ticks,
        now_x=x_of(this_year),
    )
