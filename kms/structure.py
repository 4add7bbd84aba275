"""The policy-structure diagram of a proposal item: who pays, who is insured, who gets paid.

Coordinates only, like kyc.pictures: the SVG is written by the partial
kms/plan/structure.html, shared by the Review step and the plan PDF. Plain SVG (no
markers, no script) so that WeasyPrint draws exactly what the browser shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from clients.money import format_short
from kms.models import ProposalBeneficiary, ProposalItem, TrustMode
from kyc.pictures import FONT

BOX_W = 168
BOX_H = 58
ROW_GAP = 18
COLUMN_GAP = 78
MARGIN = 14
TOP = 30  # room for the column titles


@dataclass
class Box:
    x: float
    y: float
    role: str
    name: str
    note: str = ""
    kind: str = "person"  # person, trust, second, heirs

    w: float = BOX_W
    h: float = BOX_H

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass
class Arrow:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str = ""
    dashed: bool = False

    @property
    def head(self) -> str:
        """The arrowhead as a polygon (WeasyPrint's SVG markers are not reliable)."""
        angle = math.atan2(self.y2 - self.y1, self.x2 - self.x1)
        size, spread = 9.0, 0.42
        points = [(self.x2, self.y2)]
        for side in (-spread, spread):
            points.append(
                (
                    self.x2 - size * math.cos(angle + side),
                    self.y2 - size * math.sin(angle + side),
                )
            )
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)

    @property
    def label_x(self) -> float:
        return (self.x1 + self.x2) / 2

    @property
    def label_y(self) -> float:
        return (self.y1 + self.y2) / 2 - 6


@dataclass
class Column:
    x: float
    title: str


@dataclass
class Structure:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    font: str = FONT


def _order_label(order: int) -> str:
    labels = {1: _("first order"), 2: _("second order"), 3: _("third order")}
    return labels.get(order, _("order %(order)s") % {"order": order})


def _share_label(beneficiary: ProposalBeneficiary, equal_count: int) -> str:
    if beneficiary.share_percent is not None:
        return f"{beneficiary.share_percent.normalize():f}%"
    return _("equal shares") if equal_count > 1 else "100%"


def _beneficiary_boxes(
    beneficiaries: Iterable[ProposalBeneficiary], x: float, role: str
) -> list[Box]:
    ordered = sorted(beneficiaries, key=lambda b: (b.order, b.pk or 0))
    per_order: dict[int, int] = {}
    for b in ordered:
        per_order[b.order] = per_order.get(b.order, 0) + 1
    boxes = []
    for b in ordered:
        name = str(b.person) if b.person_id else _("Legal heirs")
        note = f"{_order_label(b.order)} · {_share_label(b, per_order[b.order])}"
        boxes.append(Box(x, 0, role, name, note, kind="person" if b.person_id else "heirs"))
    if not boxes:
        boxes.append(Box(x, 0, role, _("Legal heirs"), _("no beneficiary named"), kind="heirs"))
    return boxes


def _stack(boxes: list[Box], height: float) -> None:
    """Centre a column of boxes vertically in the drawing."""
    used = len(boxes) * BOX_H + (len(boxes) - 1) * ROW_GAP
    y = TOP + (height - TOP - used) / 2
    for box in boxes:
        box.y = y
        y += BOX_H + ROW_GAP


def policy_structure(item: ProposalItem, beneficiaries: list[ProposalBeneficiary]) -> Structure:
    """Policyholder(s) → insured → (trust →) beneficiaries with order and share."""
    xs = [MARGIN + i * (BOX_W + COLUMN_GAP) for i in range(4)]
    structure = Structure(width=0, height=0)

    holders = [Box(xs[0], 0, _("Policyholder"), str(item.policyholder))]
    if item.trust_mode == TrustMode.POLICYHOLDER:
        holders = [
            Box(
                xs[0],
                0,
                _("Policyholder (trust)"),
                item.trustee_name or _("Insurance trust"),
                _("settlor: %(name)s") % {"name": item.policyholder},
                kind="trust",
            )
        ]
    if item.second_policyholder_id:
        holders.append(
            Box(
                xs[0],
                0,
                _("Second policyholder"),
                str(item.second_policyholder),
                _("takes over if the policyholder dies"),
                kind="second",
            )
        )
    sum_assured = format_short(item.sum_assured)
    insured = Box(
        xs[1],
        0,
        _("Insured"),
        str(item.insured),
        _("sum assured %(amount)s") % {"amount": sum_assured},
    )
    payee_x = xs[2]
    trust: Box | None = None
    if item.trust_mode == TrustMode.BENEFICIARY:
        trust = Box(
            xs[2],
            0,
            _("Beneficiary (trust)"),
            item.trustee_name or _("Insurance trust"),
            _("pays out on the agreed conditions"),
            kind="trust",
        )
        payee_x = xs[3]
    payees = _beneficiary_boxes(
        beneficiaries,
        payee_x,
        _("Trust beneficiary") if trust else _("Beneficiary"),
    )

    rows = max(len(holders), len(payees), 1)
    height = TOP + rows * BOX_H + (rows - 1) * ROW_GAP + MARGIN
    _stack(holders, height)
    _stack([insured], height)
    _stack(payees, height)
    if trust:
        _stack([trust], height)

    structure.columns = [
        Column(xs[0], _("Pays")),
        Column(xs[1], _("Is insured")),
    ]
    if trust:
        structure.columns.append(Column(xs[2], _("Receives and manages")))
    structure.columns.append(Column(payee_x, _("Benefits")))

    structure.arrows.append(
        Arrow(holders[0].right, holders[0].cy, insured.x, insured.cy, _("premium"))
    )
    if len(holders) > 1:
        second = holders[1]
        structure.arrows.append(
            Arrow(second.cx, second.y, second.cx, holders[0].y + BOX_H, "", dashed=True)
        )
    benefit = _("death benefit") if item.has_death_cover else _("benefits")
    source = insured
    if trust:
        structure.arrows.append(Arrow(insured.right, insured.cy, trust.x, trust.cy, benefit))
        source = trust
    for index, payee in enumerate(payees):
        label = "" if trust or index else benefit
        structure.arrows.append(Arrow(source.right, source.cy, payee.x, payee.cy, label))

    structure.boxes = [*holders, insured, *([trust] if trust else []), *payees]
    structure.width = payee_x + BOX_W + MARGIN
    structure.height = height
    return structure


# Two sums of premiums, with a name each: "total premium" is always one item's premium
# over its whole payment term, never a year's premiums of several items.


def total_premium(item: ProposalItem) -> Decimal:
    """Premiums over the whole payment term: the annual premium times the payment years."""
    return item.annual_premium * item.payment_years


def annual_premium_sum(items: Iterable[ProposalItem]) -> Decimal:
    """What the items cost in one year: the sum of their annual premiums."""
    return sum((item.annual_premium for item in items), Decimal(0))
