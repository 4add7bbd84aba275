"""Completed years, as the client page, the P100 lists and the scoring rules count them."""

from __future__ import annotations

import datetime as dt

import pytest

from clients.models import age_on


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2026, 3, 14), 41),  # the day before the birthday
        (dt.date(2026, 3, 15), 42),  # the birthday
        (dt.date(2026, 12, 31), 42),
        (dt.date(2027, 1, 1), 42),
    ],
)
def test_a_year_counts_from_the_birthday_on(as_of: dt.date, expected: int) -> None:
    assert age_on(dt.date(1984, 3, 15), as_of) == expected


def test_a_leap_day_birthday_is_reached_on_the_first_of_march() -> None:
    assert age_on(dt.date(2000, 2, 29), dt.date(2026, 2, 28)) == 25
    assert age_on(dt.date(2000, 2, 29), dt.date(2026, 3, 1)) == 26
