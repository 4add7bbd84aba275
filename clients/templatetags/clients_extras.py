from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

TEN_THOUSAND = Decimal(10_000)


@register.filter
def yuan(amount: Decimal | None) -> str:
    """Format money as advisors write it.

    Chinese advisors think in 万 (ten thousand): 500万元 from 10,000 up, 8,500元 below.
    Other languages have no such unit, so they get the full amount in yuan.
    """
    if amount is None:
        return "—"
    if abs(amount) >= TEN_THOUSAND and (get_language() or "").startswith("zh"):
        wan = (amount / TEN_THOUSAND).quantize(Decimal("0.01")).normalize()
        return f"{intcomma(f'{wan:f}')}万元"
    whole = amount.quantize(Decimal("1"))
    return _("%(amount)s yuan") % {"amount": intcomma(f"{whole:f}")}


@register.filter
def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number in a list without exposing it."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[7:]}"
    return phone
