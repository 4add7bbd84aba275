"""guarantee: a family member stands as guarantor with joint liability (ownership change)."""

from __future__ import annotations

from decimal import Decimal

from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_enterprise, make_liability, make_person
from tests.kms.detectors import run, texts


def test_it_is_an_ownership_change_risk() -> None:
    assert REGISTRY["guarantee"].category == RiskCategory.OWNERSHIP_CHANGE


def test_it_cites_the_clients_joint_liability_for_the_company_loan(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新", gender="male")
    company = make_enterprise(client=client, name="立新软件有限公司", owner=me)
    make_liability(
        client=client, kind="guarantee", amount=Decimal(5_000_000), lender="招商银行",
        borrower_enterprise=company, guarantor=me, joint_liability=True,
    )  # fmt: skip

    detection = run("guarantee", client)

    assert detection is not None
    assert detection.severity == Severity.HIGH
    assert texts(detection) == [
        "赵立新 guarantees with joint liability the 5,000,000 yuan loan of 立新软件有限公司 from 招商银行"
    ]
    # The plan prints the same fact in Chinese, the amount in 万.
    assert texts(detection, "zh-hans") == [
        "赵立新为立新软件有限公司在招商银行的500万元贷款承担连带责任担保"
    ]


def test_it_counts_a_loan_with_joint_liability_guaranteed_by_the_spouse(cast: Cast) -> None:
    client = cast.advisor_client
    wife = make_person(client=client, relationship="spouse", name="李静")
    make_liability(
        client=client, kind="personal_loan", amount=Decimal(800_000), lender="杭州银行",
        guarantor=wife, joint_liability=True,
    )  # fmt: skip

    detection = run("guarantee", client)

    assert detection is not None
    assert texts(detection) == [
        "李静 guarantees with joint liability the 800,000 yuan loan of — from 杭州银行"
    ]


def test_it_ignores_a_guarantee_given_by_someone_outside_the_family(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="self", name="赵立新")
    partner = make_person(client=client, relationship="business_partner", name="王合伙")
    company = make_enterprise(client=client, owner=partner)
    make_liability(
        client=client, kind="guarantee", amount=Decimal(5_000_000),
        borrower_enterprise=company, guarantor=partner, joint_liability=True,
    )  # fmt: skip

    assert run("guarantee", client) is None


def test_it_ignores_a_loan_the_client_guarantees_without_joint_liability(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新")
    company = make_enterprise(client=client, owner=me)
    make_liability(
        client=client, kind="business_loan", amount=Decimal(5_000_000),
        borrower_enterprise=company, guarantor=me, joint_liability=False,
    )  # fmt: skip

    assert run("guarantee", client) is None
