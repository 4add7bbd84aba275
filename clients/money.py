"""Amounts in yuan as advisors type them: 5000000, 5,000,000, 500万, 500万元, 1.2亿."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ONE_YUAN_IN_WAN = Decimal("0.0001")
_UNITS = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
_AMOUNT = re.compile(r"^(?P<number>-?\d+(?:\.\d+)?)(?P<unit>万|亿)?元?$")


def parse_yuan(text: str) -> Decimal:
    """Parse an amount into yuan with two decimals; raise ValueError if it is not one."""
    cleaned = re.sub(r"[\s,，¥￥]", "", text or "").replace("RMB", "").replace("人民币", "")
    cleaned = cleaned.replace("w", "万").replace("W", "万")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise ValueError(text)
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    return (number * _UNITS[match.group("unit") or ""]).quantize(CENT)


class YuanField(forms.DecimalField):
    """A non-negative amount in yuan that also accepts 万 and 亿."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "placeholder": _("e.g. 500万")}),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_yuan(str(value))
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value: Any) -> Any:
        # Show stored amounts without trailing zeros: 5000000, not 5000000.00.
        if isinstance(value, Decimal):
            return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
        return value


TEN_THOUSAND = Decimal(10_000)


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def format_yuan(amount: Decimal | None) -> str:
    """Money as advisors write it.

    Chinese advisors think in 万 (ten thousand): 500万元 from 10,000 up, 8,500元 below.
    Other languages have no such unit, so they get the full amount in yuan.
    """
    if amount is None:
        return "—"
    if abs(amount) >= TEN_THOUSAND and _chinese():
        # Four decimals of 万 are whole yuan: 123.4567万元 loses nothing, 17.5万元 stays short.
        wan = (amount.quantize(Decimal(1)) / TEN_THOUSAND).quantize(ONE_YUAN_IN_WAN).normalize()
        return f"{intcomma(f'{wan:f}')}万元"
    return _in_yuan(amount)


def _in_yuan(amount: Decimal) -> str:
    """The whole amount in yuan, grouped by thousands in every language (Django's zh
    locale would not group): 5,000,000元."""
    return gettext("%(amount)s yuan") % {"amount": f"{amount.quantize(Decimal(1)):,f}"}


def format_short(amount: Decimal) -> str:
    """The compact form used inside pictures: 500万 in Chinese, 5.0M otherwise."""
    if _chinese():
        if abs(amount) >= TEN_THOUSAND:
            return f"{(amount / TEN_THOUSAND).quantize(Decimal('0.1')).normalize():f}万"
        return f"{amount.quantize(Decimal(1)):,f}"
    if abs(amount) >= 1_000_000:
        return f"{(amount / 1_000_000).quantize(Decimal('0.1')):f}M"
    if abs(amount) >= 1_000:
        return f"{(amount / 1_000).quantize(Decimal('0.1')):f}k"
    return f"{amount.quantize(Decimal(1)):f}"


def format_both(amount: Decimal | None) -> str:
    """Plan documents: 万元 for reading, the exact yuan for checking (500万元（5,000,000元）)."""
    if amount is None or abs(amount) < TEN_THOUSAND or not _chinese():
        return format_yuan(amount)
    return f"{format_yuan(amount)}（{_in_yuan(amount)}）"
