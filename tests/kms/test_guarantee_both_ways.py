"""Issue 12, B.6: a guarantee is a contingent liability whichever way it is entered.

The 56-year-old factory owner personally guarantees, with joint liability, his
company's 3000万 loan. Entered as a business loan of the company with him as
guarantor, or as a guarantee, the totals, the near-term debt, the life-cover need,
the asset picture and the findings are the same.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clients.models import Client
from kms import detectors
from kms.calculators import life_cover_need
from kms.facts import Facts
from kyc import pictures
from kyc.models import Liability
from kyc.selectors import kyc_load
from tests.conftest import Cast
from tests.factories import born, make_client, make_enterprise, make_person

W = Decimal(10_000)


def _owner(cast: Cast, **liability: Any) -> Client:
    client = make_client(owner=cast.advisor, birth_date=born(56), annual_income=Decimal(300) * W)
    me = make_person(client=client, relationship="self", name=client.name, birth_date=born(56))
    make_person(client=client, relationship="spouse", name="第二任妻子", birth_date=born(38))
    factory = make_enterprise(client=client, name="宁波精工机械", owner=me)
    Liability.objects.create(
        client=client, amount=Decimal(3000) * W, lender="宁波银行", borrower_enterprise=factory,
        guarantor=me, joint_liability=True, due_year=2027, **liability,
    )  # fmt: skip
    Liability.objects.create(
        client=client, kind="mortgage", amount=Decimal(300) * W, lender="工商银行",
        borrower_person=me, due_year=2045,
    )  # fmt: skip
    return client


def _figures(client: Client) -> dict[str, Any]:
    kyc = kyc_load(client=client)
    facts = Facts(kyc)
    structure = pictures.asset_structure(kyc)
    return {
        "debts": kyc.debts_total,
        "guarantees": kyc.guarantees_total,
        "near_term": facts.near_term_debt(),
        "cover_debts": life_cover_need(facts, {}).input("debts").value,
        "picture": [
            (bar.title, [(s.label, s.amount, s.hatched) for s in bar.segments])
            for bar in structure.bars
        ],
        "findings": sorted(detectors.detect(facts)),
    }


@pytest.mark.django_db
def test_it_gives_the_same_numbers_for_a_guarantee_entered_either_way(cast: Cast) -> None:
    as_loan = _figures(_owner(cast, kind="business_loan"))
    as_guarantee = _figures(_owner(cast, kind="guarantee"))
    assert as_loan == as_guarantee
    # Only the mortgage is the household's own debt; the 3000万 is contingent.
    assert as_loan["debts"] == Decimal(300) * W
    assert as_loan["guarantees"] == Decimal(3000) * W
    assert as_loan["near_term"] == 0
    assert as_loan["cover_debts"] == Decimal(300) * W
    assert "guarantee" in as_loan["findings"]


@pytest.mark.django_db
def test_a_company_loan_nobody_of_the_family_guarantees_stays_a_debt_as_entered(
    cast: Cast,
) -> None:
    client = make_client(owner=cast.advisor)
    own = Liability(client=client, kind="business_loan", amount=Decimal(100) * W)
    assert own.is_guarantee is False
    me = make_person(client=client, relationship="self", name=client.name)
    # The client borrowing and guaranteeing their own loan is still their debt.
    assert (
        Liability(
            client=client, kind="personal_loan", amount=1, borrower_person=me, guarantor=me
        ).is_guarantee
        is False
    )
