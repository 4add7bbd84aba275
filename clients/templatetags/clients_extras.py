from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from clients.money import format_percent, format_short, format_yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """Format money as advisors write it (see clients.money.format_yuan)."""
    return format_yuan(amount)


@register.filter
def yuan_short(amount: Decimal) -> str:
    return format_short(amount)


@register.filter
def percent(share: float | Decimal) -> str:
    """A share of a whole (0.117) as a percentage: 12% (see clients.money.format_percent)."""
    number = share if isinstance(share, Decimal) else Decimal(str(share))
    return format_percent(number * 100)


@register.filter
def percentage(value: Decimal | float | None) -> str:
    """A value already in percent (11.7) as shown everywhere: 12%."""
    return format_percent(value)


@register.filter
def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number in a list without exposing it."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[7:]}"
    return phone


_CHOICE_LABELS: dict[str, dict[Any, Any]] = {}


@register.filter
def label_of(client: Any, field_name: str) -> str:
    """The label of a choice field, translating only that label.

    Django's get_FOO_display builds a hashable copy of every choice on each call,
    which translates all the labels; on a 100-row list that dominated the page.
    """
    labels = _CHOICE_LABELS.get(field_name)
    if labels is None:
        from clients.models import Client

        labels = _CHOICE_LABELS[field_name] = dict(Client._meta.get_field(field_name).flatchoices)  # type: ignore[union-attr]
    value = getattr(client, field_name)
    return str(labels.get(value, value or ""))


@register.simple_tag
def client_actions(client: Any) -> list[dict[str, Any]]:
    """The buttons the apps above `clients` add to the client page (clients.panels)."""
    from clients.panels import actions_for

    return actions_for(client=client)
