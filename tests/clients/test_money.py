"""Amounts in yuan as advisors type them: parse_yuan and YuanField."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from clients.money import YuanField, parse_yuan


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("5000000", "5000000.00"),
        ("5,000,000", "5000000.00"),
        ("5，000，000", "5000000.00"),
        ("500万", "5000000.00"),
        ("500万元", "5000000.00"),
        ("500 万", "5000000.00"),
        ("500w", "5000000.00"),
        ("500W", "5000000.00"),
        ("1.2亿", "120000000.00"),
        ("0.5万", "5000.00"),
        ("¥1,234.56", "1234.56"),
        ("￥88", "88.00"),
        ("RMB 300", "300.00"),
        ("人民币300元", "300.00"),
        ("  42  ", "42.00"),
        ("0", "0.00"),
        ("12.3", "12.30"),
        ("1.234", "1.23"),
        ("1.2345万", "12345.00"),
    ],
)
def test_it_parses_amounts_as_advisors_type_them(typed: str, yuan: str) -> None:
    parsed = parse_yuan(typed)

    assert parsed == Decimal(yuan)
    assert parsed.as_tuple().exponent == -2


def test_it_keeps_the_exact_value_without_float_rounding() -> None:
    assert parse_yuan("0.1万") + parse_yuan("0.2万") == Decimal("3000.00")
    assert parse_yuan("1.23456789亿") == Decimal("123456789.00")


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "abc",
        "万",
        "元",
        "5万万",
        "5亿万",
        "5元万",
        "1.2.3",
        "1e6",
        "五百万",
        "5-",
        "--5",
        "0x10",
        "NaN",
        "Infinity",
    ],
)
def test_it_refuses_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(typed)


def test_it_refuses_none() -> None:
    with pytest.raises(ValueError):
        parse_yuan(None)  # type: ignore[arg-type]


# YuanField ---------------------------------------------------------------------------


def _clean(value: object, **kwargs: object) -> Decimal | None:
    return YuanField(**kwargs).clean(value)


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [("500万", "5000000.00"), ("5,000,000", "5000000.00"), ("1.2亿", "120000000.00")],
)
def test_the_field_accepts_wan_and_yi(typed: str, yuan: str) -> None:
    assert _clean(typed) == Decimal(yuan)


def test_the_field_passes_a_decimal_through() -> None:
    assert _clean(Decimal("1234.50")) == Decimal("1234.50")


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("-5", "min_value", "Ensure this value is greater than or equal to 0."),
        ("-5万", "min_value", "Ensure this value is greater than or equal to 0."),
        ("abc", "invalid", "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        ("5万万", "invalid", "Enter an amount in yuan, e.g. 5000000, 5,000,000 or 500万."),
        ("10000亿", "max_digits", "Ensure that there are no more than 14 digits in total."),
    ],
)
def test_the_field_refuses_bad_amounts(typed: str, code: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _clean(typed)

    assert raised.value.error_list[0].code == code
    with translation.override("en"):  # the messages are translated when read
        assert raised.value.messages == [message]


def test_the_field_accepts_the_largest_amount_that_fits_the_column() -> None:
    assert _clean("9999亿") == Decimal("999900000000.00")


def test_the_field_is_required_unless_told_otherwise() -> None:
    with pytest.raises(ValidationError) as raised:
        _clean("")
    with translation.override("en"):
        assert raised.value.messages == ["This field is required."]

    assert _clean("", required=False) is None
    assert _clean(None, required=False) is None


def test_the_field_shows_stored_amounts_without_trailing_zeros() -> None:
    field = YuanField()

    assert field.prepare_value(Decimal("5000000.00")) == "5000000"
    assert field.prepare_value(Decimal("1234.50")) == "1234.50"
    assert field.prepare_value(Decimal("0.00")) == "0"
    assert field.prepare_value("500万") == "500万"
    assert field.prepare_value(None) is None


def test_the_field_keeps_what_was_typed_in_a_bound_form() -> None:
    class AmountForm(forms.Form):
        amount = YuanField()

    form = AmountForm({"amount": "500万"})

    assert form.is_valid()
    assert form.cleaned_data["amount"] == Decimal("5000000.00")
    assert 'value="500万"' in str(form["amount"])
    assert 'inputmode="decimal"' in str(form["amount"])


def test_the_field_redisplays_a_refused_amount_as_typed() -> None:
    class AmountForm(forms.Form):
        amount = YuanField()

    form = AmountForm({"amount": "5万万"})

    assert not form.is_valid()
    assert 'value="5万万"' in str(form["amount"])


def test_amounts_in_wan_keep_every_yuan() -> None:
    from django.utils import translation

    from clients.money import format_both, format_yuan

    with translation.override("zh-hans"):
        assert format_yuan(Decimal("1234567")) == "123.4567万元"
        assert format_yuan(Decimal("175000.00")) == "17.5万元"
        assert format_yuan(Decimal("8500")) == "8,500元"
        assert format_both(Decimal("1234567")) == "123.4567万元（1,234,567元）"
    with translation.override("en"):
        assert format_yuan(Decimal("1234567")) == "1,234,567 yuan"
