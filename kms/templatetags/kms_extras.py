from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from clients.money import format_both
from kms.models import ProposalItem
from kms.structure import Structure
from kms.structure import policy_structure as structure_of

register = template.Library()


@register.filter
def blockers_for(state: Any, step: str) -> list[Any]:
    return list(state.blockers(step))


@register.filter
def next_step(steps: list[str], step: str) -> str:
    index = list(steps).index(step)
    return steps[min(index + 1, len(steps) - 1)]


@register.filter
def prev_step(steps: list[str], step: str) -> str:
    index = list(steps).index(step)
    return steps[max(index - 1, 0)]


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def completeness_of(kyc: Any) -> Any:
    from clients.completeness import completeness

    return completeness(kyc)


@register.filter
def motive_label(value: str) -> str:
    from kms.models import Motive

    return str(dict(Motive.choices).get(value, value))


@register.filter
def total_premium(items: list[Any]) -> Any:
    from decimal import Decimal

    return sum((item.annual_premium for item in items), Decimal(0))


@register.filter
def plan_money(amount: Decimal | None) -> str:
    return format_both(amount)


@register.filter
def policy_structure(item: ProposalItem) -> Structure:
    """The item's structure diagram; its beneficiaries come prefetched by items_of."""
    return structure_of(item, list(item.beneficiaries.all()))
