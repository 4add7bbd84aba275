"""The rule on beneficiary shares, shared by existing policies and proposals.

Insurance Law art. 40: several beneficiaries may have an order and shares; shares not
stated are equal. Within one order the shares are all given and add up to 100%, or
all left blank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

Row = TypeVar("Row")


@dataclass(frozen=True)
class OrderShares(Generic[Row]):
    order: int
    rows: list[Row]
    shares: list[Decimal | None]

    @property
    def given(self) -> list[Decimal]:
        return [share for share in self.shares if share is not None]

    @property
    def total(self) -> Decimal:
        return sum(self.given, Decimal(0))

    @property
    def partly_given(self) -> bool:
        return bool(self.given) and len(self.given) != len(self.shares)

    @property
    def valid(self) -> bool:
        return not self.given or (not self.partly_given and self.total == 100)


def _order_and_share(row: Any) -> tuple[int | None, Decimal | None]:
    return row.order, row.share_percent


def shares_by_order(
    rows: Iterable[Row], read: Callable[[Row], tuple[int | None, Decimal | None]] = _order_and_share
) -> list[OrderShares[Row]]:
    """Group beneficiary rows by order; `read` gives a row's (order, share)."""
    groups: dict[int, list[Row]] = defaultdict(list)
    shares: dict[int, list[Decimal | None]] = defaultdict(list)
    for row in rows:
        order, share = read(row)
        groups[order or 1].append(row)
        shares[order or 1].append(share)
    return [OrderShares(order, groups[order], shares[order]) for order in sorted(groups)]


def beneficiaries_version(rows: Iterable[Any]) -> str:
    """Stored beneficiaries as the version an edit form carries for the rows posted with
    it (advisor_crm.versioning): order, person id (or heirs) and share, e.g.
    "1:23:50;1:24:50;2:heirs:". Ids, not names: renaming a person is no change of them.
    """
    parts = []
    for row in sorted(rows, key=lambda r: (r.order, r.pk or 0)):
        share = f"{row.share_percent.normalize():f}" if row.share_percent is not None else ""
        parts.append(f"{row.order}:{row.person_id or 'heirs'}:{share}")
    return ";".join(parts)


def beneficiaries_shown(version: str, names: dict[int, str], heirs: str) -> str:
    """A beneficiaries version read out: "1. 许静 50%；2. 法定继承人"."""
    shown = []
    for part in filter(None, version.split(";")):
        order, _sep, rest = part.partition(":")
        who, _sep, share = rest.partition(":")
        name = heirs if who == "heirs" else names.get(int(who), "—") if who.isdecimal() else "—"
        shown.append(f"{order}. {name}" + (f" {share}%" if share else ""))
    return "；".join(shown)
