"""beneficiary_shares (Insurance Law art. 40): within one order the shares are all
given and add up to 100%, or all left blank (equal)."""

from __future__ import annotations

import pytest
from django.utils import translation

from kms.legal import BLOCK, RULES
from kms.models import ProposalBeneficiary
from tests.kms.legal import Household, ben, check, item, texts


def test_it_cites_article_40() -> None:
    with translation.override("en"):
        assert str(RULES["beneficiary_shares"].reference) == "Insurance Law art. 40"


@pytest.mark.parametrize(
    "shares",
    [("60", "40"), (None, None), ("33.33", "33.33", "33.34")],
    ids=["100", "blank", "thirds"],
)
def test_it_accepts_shares_that_add_to_100_or_are_all_blank(
    home: Household, shares: tuple[str | None, ...]
) -> None:
    people = [home.wife, home.first_son, home.daughter]
    rows = [ben(person, 1, share) for person, share in zip(people, shares, strict=False)]

    assert check("beneficiary_shares", item(home.me, home.me), rows) == []


def test_it_blocks_each_order_that_does_not_add_up(home: Household) -> None:
    rows = [
        ben(home.wife, 1, "50"),
        ben(home.first_son, 1, "30"),
        ben(home.daughter, 2, "100"),
        ben(home.mother, 3, "100"),
        ben(None, 3),
    ]

    assert texts(check("beneficiary_shares", item(home.me, home.me), rows)) == [
        (
            BLOCK,
            "Shares of order 1 add up to 80% (2 of 2 given): make them 100% or leave them all blank.",
        ),
        (
            BLOCK,
            "Shares of order 3 add up to 100% (1 of 2 given): make them 100% or leave them all blank.",
        ),
    ]


def test_it_ignores_a_blank_row_of_the_form(home: Household) -> None:
    blank = ProposalBeneficiary(person=None, legal_heirs=False, order=1, share_percent=None)
    rows = [ben(home.wife, 1, "60"), ben(home.first_son, 1, "40"), blank]

    assert check("beneficiary_shares", item(home.me, home.me), rows) == []
