from __future__ import annotations

from decimal import Decimal

from django import template

from clients.money import format_short, format_yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """Format money as advisors write it (see clients.money.format_yuan)."""
    return format_yuan(amount)


@register.filter
def yuan_short(amount: Decimal) -> str:
    return format_short(amount)


@register.filter
def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


@register.filter
def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number in a list without exposing it."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[7:]}"
    return phone
