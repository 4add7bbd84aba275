"""Amounts in yuan as advisors type them: 5000000, 5,000,000, 500万, 500万元, 1.2亿."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
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
    # Enough precision for every digit typed, so that a 30-digit amount comes back
    # whole (for the field to refuse as too large) instead of raising InvalidOperation.
    with localcontext() as context:
        context.prec = max(context.prec, len(match.group("number")) + 12)
        return (number * _UNITS[match.group("unit") or ""]).quantize(CENT)


class YuanField(forms.DecimalField):
    """A non-negative amount in yuan that also accepts 万 and 亿."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        "max_digits": _("Enter an amount below %(limit)s."),
    }

    def __init__(self, *, in_units: bool = False, **kwargs: Any) -> None:
        """With in_units, stored amounts are shown as advisors type them (3000万), not
        as bare yuan (30000000); either parses back to the same amount."""
        self.in_units = in_units
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
            amount = value
        else:
            try:
                amount = parse_yuan(str(value))
            except ValueError as exc:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        self._refuse_too_large(amount)
        return amount

    def _refuse_too_large(self, amount: Decimal) -> None:
        """Refuse what the column cannot hold with our message, before Django's
        DecimalValidator would count digits at the advisor ("no more than 14 digits")."""
        if self.max_digits is None or self.decimal_places is None or not amount.is_finite():
            return
        limit = Decimal(10) ** (self.max_digits - self.decimal_places)
        if abs(amount) >= limit:
            raise ValidationError(
                self.error_messages["max_digits"],
                code="max_digits",
                # Formatted when the message is read, in the language it is read in.
                params={"limit": _lazy_format_yuan(limit)},
            )

    def display(self, value: Decimal) -> str:
        """An amount as pages show it (500万元), e.g. in a stale form's list of changes."""
        return format_yuan(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            if self.in_units:
                return format_typed(value)
            # Show stored amounts without trailing zeros: 5000000, not 5000000.00.
            return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
        return value


TEN_THOUSAND = Decimal(10_000)
HUNDRED_MILLION = Decimal(100_000_000)
ONE_YUAN_IN_YI = Decimal("0.00000001")
# One precision for every percentage shown, on pages and in the plan PDF alike: whole
# percent, rounded half to even as Decimal.quantize does by default (as the detectors
# and the legal checks round the shares they cite).
PERCENT_PLACES = Decimal(1)


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def format_yuan(amount: Decimal | None) -> str:
    """Money as advisors write it.

    Chinese advisors think in 万 (ten thousand) and 亿 (a hundred million): 500万元
    from 10,000 up, 1.2亿元 from 100,000,000 up, 8,500元 below.
    Other languages have no such unit, so they get the full amount in yuan.
    """
    if amount is None:
        return "—"
    # Counts of 万 and 亿 are not grouped by thousands: below 1亿 there are fewer than
    # 10000 万. (Django's intcomma grouped 1,234.5万元 but not 1234万元.)
    yuan = amount.quantize(Decimal(1))
    if abs(yuan) >= HUNDRED_MILLION and _chinese():
        # Eight decimals of 亿 are whole yuan, as four decimals of 万 are: 1.23456789亿元.
        yi = (yuan / HUNDRED_MILLION).quantize(ONE_YUAN_IN_YI).normalize()
        return f"{yi:f}亿元"
    if abs(amount) >= TEN_THOUSAND and _chinese():
        # Four decimals of 万 are whole yuan: 123.4567万元 loses nothing, 17.5万元 stays short.
        wan = (yuan / TEN_THOUSAND).quantize(ONE_YUAN_IN_WAN).normalize()
        return f"{wan:f}万元"
    return _in_yuan(amount)


_lazy_format_yuan = lazy(format_yuan, str)


def _in_yuan(amount: Decimal) -> str:
    """The whole amount in yuan, grouped by thousands in every language (Django's zh
    locale would not group): 5,000,000元."""
    return gettext("%(amount)s yuan") % {"amount": f"{amount.quantize(Decimal(1)):,f}"}


def format_short(amount: Decimal) -> str:
    """The compact form used inside pictures: 500万 in Chinese, 5.0M otherwise."""
    if _chinese():
        # Judged after rounding, so that 99,999,600 is 1亿, not 10000万.
        wan = (amount / TEN_THOUSAND).quantize(Decimal("0.1"))
        if abs(wan) >= TEN_THOUSAND:
            return f"{(amount / HUNDRED_MILLION).quantize(Decimal('0.1')).normalize():f}亿"
        if abs(amount) >= TEN_THOUSAND:
            return f"{wan.normalize():f}万"
        return f"{amount.quantize(Decimal(1)):,f}"
    if abs(amount) >= 1_000_000:
        return f"{(amount / 1_000_000).quantize(Decimal('0.1')):f}M"
    if abs(amount) >= 1_000:
        return f"{(amount / 1_000).quantize(Decimal('0.1')):f}k"
    return f"{amount.quantize(Decimal(1)):f}"


def format_both(amount: Decimal | None) -> str:
    """Plan documents: 万元 or 亿元 for reading, the exact yuan for checking
    (500万元（5,000,000元）, 1.2亿元（120,000,000元）)."""
    if amount is None or abs(amount) < TEN_THOUSAND or not _chinese():
        return format_yuan(amount)
    return f"{format_yuan(amount)}（{_in_yuan(amount)}）"


def format_typed(amount: Decimal) -> str:
    """An amount as an advisor would type it, for a form input: 3000万, 1.2亿, 8500.

    Unlike format_yuan it keeps the cents, so that parse_yuan reads back exactly the
    amount shown and an untouched input does not become a change. Other languages get
    the yuan grouped by thousands (30,000,000), which parse_yuan reads as well.
    """
    if not _chinese():
        return f"{amount.normalize():,f}"
    for unit, size in (("亿", HUNDRED_MILLION), ("万", TEN_THOUSAND)):
        if abs(amount) >= size:
            return f"{(amount / size).normalize():f}{unit}"
    return f"{amount.normalize():f}"


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """What part is of whole in percent, at the one precision shown everywhere."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(PERCENT_PLACES, rounding=ROUND_HALF_EVEN)


def format_percent(percent: Decimal | float | int | None) -> str:
    """A percentage (12.5, not 0.125) as shown on pages and in the plan PDF: 12%."""
    if percent is None:
        return "—"
    number = percent if isinstance(percent, Decimal) else Decimal(str(percent))
    # Adding zero turns a rounded -0 into 0.
    return f"{number.quantize(PERCENT_PLACES, rounding=ROUND_HALF_EVEN) + 0:f}%"
