"""Completed KMS cases for the two worked cases of DOMAIN.md (seed 000, 6.2 and 6.3)."""

from __future__ import annotations

from decimal import Decimal

from advisor_crm.accounts.models import User
from clients.models import Client
from kms import selectors, services
from kms.models import (
    CaseStatus,
    FindingStatus,
    KmsCase,
    ProposalBeneficiary,
    ProposalItem,
    SolutionKind,
    Step,
    TrustMode,
    Weakness,
)
from kyc.models import Person

W = Decimal(10_000)


def _complete(case: KmsCase, *, solution: str, weaknesses: list[str], notes: str) -> None:
    """Confirm every finding, map each to the client's own solution, accept warnings."""
    for finding in case.findings.all():
        services.finding_decide(finding=finding, status=FindingStatus.CONFIRMED)
        services.solution_save(finding=finding, kind=solution, weaknesses=weaknesses, notes=notes)


def _item(
    case: KmsCase, beneficiaries: list[tuple[Person, int, int | None]], **fields: object
) -> ProposalItem:
    item = ProposalItem.objects.create(case=case, **fields)
    item.answers.set(case.findings.filter(status=FindingStatus.CONFIRMED))
    for person, order, share in beneficiaries:
        ProposalBeneficiary.objects.create(
            item=item,
            person=person,
            order=order,
            share_percent=None if share is None else Decimal(share),
        )
    return item


def _finish(case: KmsCase, status: str) -> None:
    state = selectors.case_state(case=case)
    for check in state.checks:
        services.item_accept_warnings(
            item=check.item, keys=[m.key for m in check.unaccepted_warnings]
        )
    services.case_go(case=case, step=Step.REVIEW)
    services.case_close(case=case, status=status)


def _start(
    client: Client,
    advisor: User,
    *,
    motives: list[str],
    solution: str,
    weaknesses: list[str],
    notes: str,
) -> tuple[KmsCase, dict[str, Person]] | None:
    """A case through Know and Map, or None when the client already has one."""
    if KmsCase.objects.filter(client=client).exists():
        return None
    people = {p.name: p for p in Person.objects.filter(client=client)}
    case = services.case_start(client=client, user=advisor)
    services.motives_set(case=case, motives=motives)
    _complete(case, solution=solution, weaknesses=weaknesses, notes=notes)
    return case, people


def zhao_case(client: Client, advisor: User) -> None:
    """High-leverage whole life of 5 million for Mr Zhao, 175,000 a year, trust-linked."""
    started = _start(
        client,
        advisor,
        motives=["income_security", "asset_protection", "education", "inheritance"],
        solution=SolutionKind.SAVINGS,
        weaknesses=[Weakness.ILLIQUID, Weakness.REACHABLE_BY_CREDITORS, Weakness.NO_LOCKED_INCOME],
        notes="依靠现有储蓄和房产",
    )
    if started is None:
        return
    case, people = started
    me = people[client.name]
    _item(
        case,
        [(people["李静"], 1, 40), (people["赵可欣"], 1, 40), (people["赵国强"], 1, 10), (people["王秀英"], 1, 10)],
        product_type="whole_life", insurer="示例人寿", product_name="高杠杆终身寿险", policyholder=me, insured=me,
        trust_mode=TrustMode.BENEFICIARY, trustee_name="示例信托有限公司", sum_assured=500 * W,
        annual_premium=Decimal("17.5") * W, payment_years=20,
    )  # fmt: skip
    _finish(case, CaseStatus.ACCEPTED)


def qian_case(client: Client, advisor: User) -> None:
    """Her parents insure her; a second policyholder keeps the cash value out of their estate."""
    started = _start(
        client,
        advisor,
        motives=["asset_protection", "income_security", "inheritance", "education"],
        solution=SolutionKind.NONE,
        weaknesses=[
            Weakness.CONTROL_LOST,
            Weakness.DIVISIBLE_IN_DIVORCE,
            Weakness.REACHABLE_BY_CREDITORS,
        ],
        notes="家庭财富主要由丈夫通过公司持有，本人无掌控",
    )
    if started is None:
        return
    case, people = started
    _item(
        case,
        [(people["孙悦"], 1, None), (people["孙浩"], 1, None)],
        product_type="whole_life", insurer="示例人寿", product_name="高现金价值终身寿险", policyholder=people["钱伟"],
        insured=people[client.name], second_policyholder=people["刘芳"], sum_assured=800 * W,
        annual_premium=100 * W, payment_years=5, insured_consent=True,
    )  # fmt: skip
    _finish(case, CaseStatus.PRESENTED)


def big_family_case(client: Client, advisor: User) -> None:
    """Three proposals for the three-generation family: the long plan PDF of the demo."""
    started = _start(
        client,
        advisor,
        motives=["inheritance", "asset_protection", "health", "pension"],
        solution=SolutionKind.SAVINGS,
        weaknesses=[Weakness.REACHABLE_BY_CREDITORS, Weakness.DIVISIBLE_IN_DIVORCE],
        notes="主要依靠企业分红、房产和理财，未做隔离安排",
    )
    if started is None:
        return
    case, people = started
    me, wife = people[client.name], people["陈美玲"]
    _item(
        case,
        [(wife, 1, 40), (people["周雨桐"], 1, 30), (people["周子轩"], 1, 30)],
        product_type="increasing_whole_life", insurer="示例人寿", product_name="传家增额终身寿险", policyholder=me,
        insured=me, trust_mode=TrustMode.BENEFICIARY, trustee_name="示例信托有限公司", sum_assured=1000 * W,
        annual_premium=50 * W, payment_years=10,
    )  # fmt: skip
    _item(
        case,
        [(me, 1, None)],
        product_type="annuity", insurer="示例人寿", product_name="金禧年金保险", policyholder=me,
        insured=people["周雨桐"], sum_assured=100 * W, annual_premium=20 * W, payment_years=5,
        coverage_years=30, insured_consent=True,
    )  # fmt: skip
    _item(
        case,
        [(me, 1, None)],
        product_type="critical_illness", insurer="示例健康", product_name="安康重大疾病保险", policyholder=me,
        insured=wife, sum_assured=100 * W, annual_premium=Decimal("3.2") * W, payment_years=20,
    )  # fmt: skip
    _finish(case, CaseStatus.PRESENTED)
