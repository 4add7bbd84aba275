"""Amounts in yuan as advisors type them: parse_yuan and YuanField."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from clients.money import (
    YuanField,
    format_both,
    format_percent,
    format_short,
    format_typed,
    format_yuan,
    parse_yuan,
    percent_of,
)


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


def _clean(value: object, **kwargs: Any) -> Decimal | None:
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
        ("10000亿", "max_digits", "Enter an amount below 1,000,000,000,000 yuan."),
        ("12345678901234567890", "max_digits", "Enter an amount below 1,000,000,000,000 yuan."),
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
    with translation.override("zh-hans"):
        assert format_yuan(Decimal("1234567")) == "123.4567万元"
        assert format_yuan(Decimal("175000.00")) == "17.5万元"
        assert format_yuan(Decimal("8500")) == "8,500元"
        assert format_both(Decimal("1234567")) == "123.4567万元（1,234,567元）"
    with translation.override("en"):
        assert format_yuan(Decimal("1234567")) == "1,234,567 yuan"


# Over-long amounts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["12345678901234567890", "1" * 40, "1" * 40 + "亿", "-1" + "0" * 19]
)
def test_the_field_refuses_an_over_long_amount_with_its_own_message(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _clean(typed, min_value=None)

    assert raised.value.error_list[0].code == "max_digits"
    with translation.override("zh-hans"):
        assert raised.value.messages == ["请输入小于10000亿元的金额。"]


def test_the_field_refuses_an_over_long_decimal_passed_in_with_its_own_message() -> None:
    with pytest.raises(ValidationError) as raised:
        _clean(Decimal("1000000000000.00"))

    with translation.override("en"):
        assert raised.value.messages == ["Enter an amount below 1,000,000,000,000 yuan."]


def test_the_limit_follows_the_digits_the_field_allows() -> None:
    assert _clean("99999.99", max_digits=7) == Decimal("99999.99")
    with pytest.raises(ValidationError) as raised:
        _clean("10万", max_digits=7)

    with translation.override("zh-hans"):
        assert raised.value.messages == ["请输入小于10万元的金额。"]


def test_it_parses_a_40_digit_amount_whole() -> None:
    assert parse_yuan("1" * 40) == Decimal("1" * 40)


# Showing amounts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [
        ("120000000", "1.2亿元"),
        ("100000000", "1亿元"),
        ("1000000000", "10亿元"),
        # Eight decimals of 亿 are whole yuan, as four decimals of 万 are.
        ("123456789", "1.23456789亿元"),
        ("123456789.49", "1.23456789亿元"),
        ("-120000000", "-1.2亿元"),
        # Rounded to the yuan first: 99,999,999.6 is 100,000,000, so 1亿元.
        ("99999999.6", "1亿元"),
        ("99999999", "9999.9999万元"),
        ("30000000", "3000万元"),
        # Counts of 万 are never grouped, with or without a fraction.
        ("12340000", "1234万元"),
        ("12345000", "1234.5万元"),
    ],
)
def test_it_shows_a_hundred_million_and_above_in_yi(yuan: str, shown: str) -> None:
    with translation.override("zh-hans"):
        assert format_yuan(Decimal(yuan)) == shown


def test_it_shows_yi_with_the_exact_yuan_in_plan_documents() -> None:
    with translation.override("zh-hans"):
        assert format_both(Decimal("120000000")) == "1.2亿元（120,000,000元）"
        assert format_both(Decimal("123456789")) == "1.23456789亿元（123,456,789元）"
    with translation.override("en"):
        assert format_both(Decimal("120000000")) == "120,000,000 yuan"


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [
        ("120000000", "1.2亿"),
        ("123456789", "1.2亿"),
        ("99990000", "9999万"),
        # 9999.96万 rounds to 10000.0万, which is 1亿.
        ("99999600", "1亿"),
        ("5000000", "500万"),
        ("8500", "8,500"),
    ],
)
def test_pictures_show_a_hundred_million_and_above_in_yi(yuan: str, shown: str) -> None:
    with translation.override("zh-hans"):
        assert format_short(Decimal(yuan)) == shown


@pytest.mark.parametrize(
    ("yuan", "zh", "en"),
    [
        ("30000000.00", "3000万", "30,000,000"),
        ("120000000.00", "1.2亿", "120,000,000"),
        ("123456789.00", "1.23456789亿", "123,456,789"),
        ("1234567.89", "123.456789万", "1,234,567.89"),
        ("8500.00", "8500", "8,500"),
        ("1234.50", "1234.5", "1,234.5"),
        ("0.00", "0", "0"),
    ],
)
def test_it_shows_amounts_as_typed_and_reads_them_back_exactly(yuan: str, zh: str, en: str) -> None:
    amount = Decimal(yuan)

    with translation.override("zh-hans"):
        assert format_typed(amount) == zh
    with translation.override("en"):
        assert format_typed(amount) == en
    assert parse_yuan(zh) == amount
    assert parse_yuan(en) == amount


def test_a_field_in_units_shows_stored_amounts_as_typed() -> None:
    field = YuanField(in_units=True)

    with translation.override("zh-hans"):
        assert field.prepare_value(Decimal("30000000.00")) == "3000万"
    with translation.override("en"):
        assert field.prepare_value(Decimal("30000000.00")) == "30,000,000"
    assert field.prepare_value("3000万") == "3000万"


# Percentages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "shown"),
    [
        (Decimal("11.7"), "12%"),
        (Decimal("12"), "12%"),
        (Decimal("12.00"), "12%"),
        (Decimal("0.4"), "0%"),
        (Decimal("-0.4"), "0%"),
        (Decimal("100"), "100%"),
        # Half to even, as the detectors and the legal checks round the shares they cite.
        (Decimal("12.5"), "12%"),
        (Decimal("13.5"), "14%"),
        (40.99999999999999, "41%"),
        (75, "75%"),
        (None, "—"),
    ],
)
def test_it_shows_every_percentage_at_one_precision(
    percent: Decimal | float | None, shown: str
) -> None:
    assert format_percent(percent) == shown


def test_it_computes_a_share_at_the_precision_it_is_shown() -> None:
    assert percent_of(Decimal(117_000), Decimal(1_000_000)) == Decimal(12)
    assert format_percent(percent_of(Decimal(117_000), Decimal(1_000_000))) == "12%"
    assert percent_of(Decimal(1), Decimal(0)) is None
