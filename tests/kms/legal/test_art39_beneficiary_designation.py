"""beneficiary_designation (Insurance Law art. 39): an employee insured by the employer
may only have themself or close relatives (Civil Code art. 1045) as beneficiaries."""

from __future__ import annotations

import pytest
from django.utils import translation

from kms.legal import BLOCK, RULES
from tests.kms.legal import Household, ben, check, item, texts


def test_it_cites_article_39() -> None:
    with translation.override("en"):
        assert str(RULES["beneficiary_designation"].reference) == "Insurance Law art. 39"


@pytest.mark.parametrize(
    "beneficiary", ["employee", "employees_son", "employees_sister", "employees_mother"]
)
def test_it_accepts_the_employee_and_his_close_relatives(home: Household, beneficiary: str) -> None:
    proposal = item(home.me, home.employee, insured_consent=True)

    assert check("beneficiary_designation", proposal, [ben(getattr(home, beneficiary))]) == []


def test_it_blocks_each_beneficiary_who_is_not_a_close_relative(home: Household) -> None:
    proposal = item(home.me, home.employee, insured_consent=True)
    rows = [ben(home.employees_son, 1, "50"), ben(home.friend, 1, "25"), ben(home.me, 1, "25")]

    assert texts(check("beneficiary_designation", proposal, rows)) == [
        (
            BLOCK,
            "王员工 is insured as an employee: 孙朋友 is not a close relative and cannot be the beneficiary.",
        ),
        (
            BLOCK,
            "王员工 is insured as an employee: 周建华 is not a close relative and cannot be the beneficiary.",
        ),
    ]


def test_it_accepts_the_legal_heirs(home: Household) -> None:
    proposal = item(home.me, home.employee, insured_consent=True)

    assert check("beneficiary_designation", proposal, [ben(None)]) == []


def test_it_leaves_beneficiaries_free_outside_employment(home: Household) -> None:
    # The client insuring himself, or his son of the first marriage, names whom he likes.
    assert check("beneficiary_designation", item(home.me, home.me), [ben(home.friend)]) == []
    assert check("beneficiary_designation", item(home.me, home.first_son), [ben(home.friend)]) == []
