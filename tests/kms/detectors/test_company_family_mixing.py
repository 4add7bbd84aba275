"""company_family_mixing: family and company assets held across the line (家企混同).

The rule in full, each kind of fact both ways, is tested in tests/kms/test_mixing.py.
"""

from __future__ import annotations

from decimal import Decimal

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_asset, make_enterprise, make_liability, make_person
from tests.kms.detectors import run, texts


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["company_family_mixing"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_a_family_asset_held_by_the_company(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    company = make_enterprise(client=client, name="立新软件有限公司", owner=me)
    make_asset(
        client=client, category="real_estate", description="公司名下别墅", value=Decimal(3_000_000),
        holding="family", owner_enterprise=company, liquidity_days=180,
    )  # fmt: skip

    detection = run("company_family_mixing", client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection) == [
        "Family asset 公司名下别墅 (3,000,000 yuan) is held by the company 立新软件有限公司"
    ]


def test_it_cites_a_business_asset_held_privately(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    make_asset(
        client=client, category="deposit", description="公司货款", value=Decimal(1_200_000),
        holding="enterprise", owner_person=me,
    )  # fmt: skip

    detection = run("company_family_mixing", client)

    assert detection is not None
    assert texts(detection) == [
        "Business asset 公司货款 (1,200,000 yuan) is held privately by 赵立新"
    ]


def test_it_is_high_when_the_family_backs_company_debts(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    company = make_enterprise(client=client, owner=me)
    make_asset(client=client, value=Decimal(4_000_000), holding="family", owner_person=me)
    make_liability(
        client=client, kind="guarantee", amount=Decimal(5_000_000), borrower_enterprise=company,
        guarantor=me, joint_liability=True,
    )  # fmt: skip

    detection = run("company_family_mixing", client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    assert texts(detection) == [
        "赵立新 personally guarantees the 5,000,000 yuan loan of the company "
        f"{company} from 招商银行: the family's assets answer for the company's debt"
    ]


def test_it_stays_quiet_when_each_side_holds_its_own(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    company = make_enterprise(client=client, owner=me)
    make_asset(client=client, value=Decimal(4_000_000), holding="family", owner_person=me)
    make_asset(
        client=client, category="equity", value=Decimal(3_000_000), holding="enterprise",
        owner_enterprise=company, liquidity_days=365,
    )  # fmt: skip
    # The company borrows on its own account: nobody in the family guarantees it.
    make_liability(client=client, amount=Decimal(5_000_000), borrower_enterprise=company)

    assert run("company_family_mixing", client) is None


def test_it_does_not_call_the_owner_holding_the_company_shares_mixing(cast: Cast) -> None:
    # Issue 12, B.8: equity in one's own company is held personally by nature.
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="林志远")
    make_asset(
        client=client, category="equity", description="宁波精工机械 60% 股权", value=Decimal(30_000_000),
        holding="enterprise", owner_person=me, liquidity_days=365,
    )  # fmt: skip

    assert run("company_family_mixing", client) is None
