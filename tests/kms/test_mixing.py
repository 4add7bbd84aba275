"""家企混同: where company and family money cross, each fact cited (issue 12, B.8).

The rule (seed 000, 4.1: keep company and family assets apart; 6.2: a failing company
reaches the family through joint liability), as far as the KYC map can record it: a
family asset held by the company, a business asset held privately, a family member
guaranteeing a company debt (entered either way), a business loan in a family member's
own name, and money lent between the company and the family. Holding the shares of
one's own company, and an ordinary mortgage, are not mixing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kms.models import Severity
from kyc.models import Enterprise, Person
from tests.conftest import Cast
from tests.factories import make_asset, make_enterprise, make_liability, make_person
from tests.kms.detectors import run, texts


@pytest.fixture
def owner(cast: Cast) -> Person:
    return make_person(client=cast.advisor_client, relationship="self", name="林志远")


@pytest.fixture
def factory(cast: Cast, owner: Person) -> Enterprise:
    return make_enterprise(
        client=cast.advisor_client, name="宁波精工机械有限公司", owner=owner,
        share_percent=Decimal(60),
    )  # fmt: skip


def _mixing(cast: Cast) -> tuple[int, list[str]]:
    detection = run("company_family_mixing", cast.advisor_client)
    assert detection is not None, "no mixing was found"
    return detection.severity, texts(detection)


# It fires, citing each fact ----------------------------------------------------------


def test_it_cites_a_family_home_held_by_the_company(cast: Cast, factory: Enterprise) -> None:
    make_asset(
        client=cast.advisor_client, category="real_estate", description="公司名下别墅",
        value=Decimal(3_000_000), holding="family", owner_enterprise=factory,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.MEDIUM,
        ["Family asset 公司名下别墅 (3,000,000 yuan) is held by the company 宁波精工机械有限公司"],
    )


def test_it_cites_company_money_in_a_family_account(cast: Cast, owner: Person) -> None:
    make_asset(
        client=cast.advisor_client, category="deposit", description="个人卡收公司货款",
        value=Decimal(1_200_000), holding="enterprise", owner_person=owner,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.MEDIUM,
        ["Business asset 个人卡收公司货款 (1,200,000 yuan) is held privately by 林志远"],
    )


@pytest.mark.parametrize("entered_as", ["guarantee", "business_loan"])
def test_it_cites_a_personal_guarantee_of_company_debt_however_entered(
    cast: Cast, owner: Person, factory: Enterprise, entered_as: str
) -> None:
    # Issue 12, B.6: a guarantee, or the company's loan with the owner as joint guarantor.
    make_liability(
        client=cast.advisor_client, kind=entered_as, amount=Decimal(30_000_000),
        lender="宁波银行", borrower_enterprise=factory, guarantor=owner, joint_liability=True,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.HIGH,
        [
            "林志远 personally guarantees the 30,000,000 yuan loan of the company 宁波精工机械有限公司 "
            "from 宁波银行: the family's assets answer for the company's debt"
        ],
    )


def test_it_cites_the_guarantee_in_chinese_for_the_plan(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    make_liability(
        client=cast.advisor_client, kind="guarantee", amount=Decimal(30_000_000),
        lender="宁波银行", borrower_enterprise=factory, guarantor=owner, joint_liability=True,
    )  # fmt: skip

    assert texts(run("company_family_mixing", cast.advisor_client), "zh-hans") == [
        "林志远以个人名义为公司宁波精工机械有限公司在宁波银行的3000万元贷款提供担保：家庭资产要为公司债务承担责任"
    ]


def test_it_cites_a_business_loan_taken_in_the_owners_own_name(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    make_liability(
        client=cast.advisor_client, kind="business_loan", amount=Decimal(2_000_000),
        lender="工商银行", borrower_person=owner,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.HIGH,
        [
            "林志远 owes the 2,000,000 yuan business loan from 工商银行 in their own name: "
            "the family answers for the business debt"
        ],
    )


def test_it_cites_a_loan_from_the_company_to_the_family(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    wife = make_person(client=cast.advisor_client, relationship="spouse", name="陈静")
    # The lender typed as the company's short name, with a stray space.
    make_liability(
        client=cast.advisor_client, kind="personal_loan", amount=Decimal(800_000),
        lender="宁波精工 机械", borrower_person=wife,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.MEDIUM,
        [
            "陈静 owes 800,000 yuan to the company 宁波精工机械有限公司: company money used by the family"
        ],
    )


def test_it_cites_a_loan_from_the_family_to_the_company(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    make_person(client=cast.advisor_client, relationship="parent", name="郑桂兰")
    make_liability(
        client=cast.advisor_client, kind="personal_loan", amount=Decimal(500_000),
        lender="郑桂兰", borrower_enterprise=factory,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.MEDIUM,
        [
            "The company 宁波精工机械有限公司 owes 500,000 yuan to 郑桂兰: family money used by the company"
        ],
    )


def test_it_cites_every_fact_of_a_mixed_household(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    client = cast.advisor_client
    make_asset(
        client=client, category="real_estate", description="公司名下别墅", value=Decimal(3_000_000),
        holding="family", owner_enterprise=factory,
    )  # fmt: skip
    make_liability(
        client=client, kind="business_loan", amount=Decimal(30_000_000), lender="宁波银行",
        borrower_enterprise=factory, guarantor=owner, joint_liability=True,
    )  # fmt: skip
    make_liability(
        client=client, kind="personal_loan", amount=Decimal(800_000),
        lender="宁波精工机械有限公司", borrower_person=owner,
    )  # fmt: skip

    severity, cited = _mixing(cast)

    assert severity == Severity.HIGH
    assert cited == [
        "Family asset 公司名下别墅 (3,000,000 yuan) is held by the company 宁波精工机械有限公司",
        "林志远 personally guarantees the 30,000,000 yuan loan of the company 宁波精工机械有限公司 "
        "from 宁波银行: the family's assets answer for the company's debt",
        "林志远 owes 800,000 yuan to the company 宁波精工机械有限公司: company money used by the family",
    ]


def test_it_cites_a_family_home_pledged_for_the_company_loan(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    home = make_asset(
        client=cast.advisor_client, category="real_estate", description="宁波自住房",
        value=Decimal(8_000_000), holding="family", owner_person=owner,
    )  # fmt: skip
    make_liability(
        client=cast.advisor_client, kind="business_loan", amount=Decimal(5_000_000),
        lender="宁波银行", borrower_enterprise=factory, secured_by=home,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.HIGH,
        [
            "Family asset 宁波自住房 (8,000,000 yuan) is pledged for the 5,000,000 yuan debt of "
            "the company 宁波精工机械有限公司 to 宁波银行: a default takes the family's asset"
        ],
    )


def test_it_cites_a_company_asset_pledged_for_a_family_loan(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    plant = make_asset(
        client=cast.advisor_client, category="real_estate", description="厂房",
        value=Decimal(12_000_000), holding="enterprise", owner_enterprise=factory,
    )  # fmt: skip
    make_liability(
        client=cast.advisor_client, kind="mortgage", amount=Decimal(2_000_000),
        lender="工商银行", borrower_person=owner, secured_by=plant,
    )  # fmt: skip

    assert _mixing(cast) == (
        Severity.MEDIUM,
        [
            "Business asset 厂房 (12,000,000 yuan) is pledged for the 2,000,000 yuan loan of "
            "林志远: company property secures a family debt"
        ],
    )


def test_it_does_not_call_a_home_pledged_for_its_own_mortgage_mixing(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    home = make_asset(
        client=cast.advisor_client, category="real_estate", description="自住房",
        value=Decimal(6_000_000), holding="family", owner_person=owner,
    )  # fmt: skip
    make_liability(
        client=cast.advisor_client, kind="mortgage", amount=Decimal(2_000_000),
        lender="建设银行", borrower_person=owner, secured_by=home,
    )  # fmt: skip

    assert run("company_family_mixing", cast.advisor_client) is None


# It stays quiet ----------------------------------------------------------------------


def test_it_does_not_call_owning_the_company_shares_mixing(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    # Entered as a business holding or as a family one, the owner's equity is his own.
    for holding in ("enterprise", "family"):
        make_asset(
            client=cast.advisor_client, category="equity", description="宁波精工机械 60% 股权",
            value=Decimal(30_000_000), holding=holding, owner_person=owner,
        )  # fmt: skip

    assert run("company_family_mixing", cast.advisor_client) is None


def test_it_does_not_call_a_plain_mortgage_mixing(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    client = cast.advisor_client
    make_asset(
        client=client, category="real_estate", value=Decimal(6_000_000), holding="family",
        owner_person=owner,
    )  # fmt: skip
    make_liability(
        client=client, kind="mortgage", amount=Decimal(1_800_000), lender="招商银行",
        borrower_person=owner,
    )  # fmt: skip

    assert run("company_family_mixing", cast.advisor_client) is None


def test_it_stays_quiet_when_each_side_keeps_to_itself(
    cast: Cast, owner: Person, factory: Enterprise
) -> None:
    client = cast.advisor_client
    partner = make_person(client=client, relationship="business_partner", name="王合伙")
    make_asset(client=client, value=Decimal(4_000_000), holding="family", owner_person=owner)
    make_asset(
        client=client, category="real_estate", value=Decimal(9_000_000), holding="enterprise",
        owner_enterprise=factory,
    )  # fmt: skip
    # The company borrows on its own account, a business partner (not family) guarantees
    # another of its loans, and a bank lends to the owner for his car.
    make_liability(client=client, amount=Decimal(5_000_000), borrower_enterprise=factory)
    make_liability(
        client=client, kind="guarantee", amount=Decimal(2_000_000), borrower_enterprise=factory,
        guarantor=partner, joint_liability=True,
    )  # fmt: skip
    make_liability(
        client=client, kind="personal_loan", amount=Decimal(300_000), lender="宁波银行",
        borrower_person=owner,
    )  # fmt: skip

    assert run("company_family_mixing", client) is None


def test_it_needs_a_company_to_call_a_business_loan_mixing(cast: Cast, owner: Person) -> None:
    # A sole trader's business loan with no company on the map: nothing to mix with.
    make_liability(
        client=cast.advisor_client, kind="business_loan", amount=Decimal(2_000_000),
        lender="工商银行", borrower_person=owner,
    )  # fmt: skip

    assert run("company_family_mixing", cast.advisor_client) is None


def test_it_does_not_take_a_bank_for_the_company_by_a_short_common_name(
    cast: Cast, owner: Person
) -> None:
    # Only names of four characters or more match partly: "银行" is in every bank's name.
    make_enterprise(client=cast.advisor_client, name="银行")
    make_liability(
        client=cast.advisor_client, kind="personal_loan", amount=Decimal(300_000),
        lender="宁波银行", borrower_person=owner,
    )  # fmt: skip

    assert run("company_family_mixing", cast.advisor_client) is None
