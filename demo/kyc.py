"""KYC data of the demo clients: the two worked cases of DOMAIN.md and a large family.

Each builder fills an empty map and does nothing when the client already has people
besides themself, so seed_demo stays idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Model

from advisor_crm.accounts.models import User
from clients.models import Client
from kyc import services as kyc_services
from kyc.models import (
    Allocation,
    Asset,
    ConsentScope,
    Enterprise,
    ExistingPolicy,
    Household,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    SensitiveConsent,
)

W = Decimal(10_000)  # one 万 yuan


M = TypeVar("M", bound=Model)


def _add(model: type[M], **fields: Any) -> M:
    # Through the KYC service, so that the demo data meets the same rules as a user.
    return kyc_services.kyc_row_add(row=model(**fields))


def _is_filled(client: Client) -> bool:
    return Person.objects.filter(client=client).exclude(relationship="self").exists()


def _people(client: Client, rows: list[dict[str, Any]]) -> dict[str, Person]:
    people = {}
    for row in rows:
        key = row.pop("key")
        people[key] = _add(Person, client=client, **row)
    return people


def _assets(client: Client, rows: list[tuple[Any, ...]]) -> None:
    """(category, description, 万, owner person/enterprise, holding, marital, location, days)."""
    for category, description, wan, owner, holding, marital, location, days in rows:
        _add(
            Asset,
            client=client,
            category=category,
            description=description,
            value=Decimal(wan) * W,
            owner_person=owner if isinstance(owner, Person) else None,
            owner_enterprise=owner if isinstance(owner, Enterprise) else None,
            holding=holding,
            marital=marital,
            location=location,
            liquidity_days=days,
        )


def _consent(client: Client, user: User, given_on: dt.date) -> None:
    _add(
        SensitiveConsent,
        client=client,
        recorded_by=user,
        given_on=given_on,
        scope=ConsentScope.BOTH,
        notes="书面签署《敏感个人信息处理单独同意书》",
    )


def fill_zhao(client: Client, advisor: User) -> None:
    """Mr Zhao: business owner, sole earner, joint liability for his company's 5 million loan."""
    if _is_filled(client):
        return
    _consent(client, advisor, dt.date(2026, 10, 15))
    p = _people(
        client,
        [
            {"key": "me", "relationship": "self", "name": client.name, "gender": "male", "birth_date": client.birth_date,
             "marital_status": "married", "occupation": "软件公司创始人", "annual_income": Decimal("1500000"), "cares_about": True},
            {"key": "wife", "relationship": "spouse", "name": "李静", "gender": "female", "birth_date": dt.date(1987, 8, 12),
             "marital_status": "married", "occupation": "全职太太", "annual_income": Decimal(0), "cares_about": True, "must_provide_for": True},
            {"key": "daughter", "relationship": "child", "name": "赵可欣", "gender": "female", "birth_date": dt.date(2024, 3, 10),
             "cares_about": True, "worries_about": True, "must_provide_for": True},
            {"key": "father", "relationship": "parent", "name": "赵国强", "gender": "male", "birth_date": dt.date(1956, 2, 3),
             "marital_status": "married", "occupation": "退休教师（老家）", "annual_income": Decimal("48000"), "must_provide_for": True},
            {"key": "mother", "relationship": "parent", "name": "王秀英", "gender": "female", "birth_date": dt.date(1958, 11, 20),
             "marital_status": "married", "occupation": "务农（老家）", "must_provide_for": True, "worries_about": True,
             "health_notes": "高血压，长期服药"},
        ],
    )  # fmt: skip
    company = _add(
        Enterprise,
        client=client,
        name="杭州立新软件科技有限公司",
        owner=p["me"],
        share_percent=Decimal(80),
        is_legal_representative=True,
    )
    _assets(
        client,
        [
            ("money_market", "货币基金", 200, p["me"], "family", "marital_common", "domestic", 1),
            ("bond_fund", "债券基金", 200, p["me"], "family", "marital_common", "domestic", 3),
            ("deposit", "活期存款", 30, p["wife"], "family", "marital_common", "domestic", 1),
            (
                "real_estate",
                "杭州自住房",
                800,
                p["me"],
                "family",
                "marital_common",
                "domestic",
                180,
            ),
            (
                "equity",
                "立新软件 80% 股权",
                300,
                company,
                "enterprise",
                "personal",
                "domestic",
                365,
            ),
        ],
    )
    _add(Liability,
        client=client, kind="guarantee", amount=Decimal(500) * W, lender="招商银行杭州分行",
        borrower_enterprise=company, guarantor=p["me"], joint_liability=True, due_year=2029,
        notes="公司经营贷款，赵先生个人承担连带责任担保",
    )  # fmt: skip
    _add(Liability,
        client=client, kind="mortgage", amount=Decimal(180) * W, lender="建设银行", borrower_person=p["me"],
        annual_repayment=Decimal(24) * W, due_year=2044,
    )  # fmt: skip
    _add(
        IncomeSource, client=client, person=p["me"], kind="business", annual_amount=Decimal(150) * W
    )
    _add(
        IncomeSource,
        client=client,
        person=p["father"],
        kind="pension",
        annual_amount=Decimal("48000"),
    )
    Household.objects.update_or_create(client=client, defaults={"annual_spending": Decimal(60) * W})

    def allocation(**fields: Any) -> None:
        _add(Allocation, **fields)

    allocation(client=client, person=p["daughter"], purpose="education", annual_amount=Decimal(10) * W,
               start_year=2027, end_year=2046, condition="按学业阶段支付，至 22 岁", keep_control=True)  # fmt: skip
    allocation(client=client, person=p["father"], purpose="support", annual_amount=Decimal(3) * W,
               start_year=2026, end_year=2041, keep_control=True)  # fmt: skip
    allocation(client=client, person=p["mother"], purpose="support", annual_amount=Decimal(3) * W,
               start_year=2026, end_year=2043, condition="含医疗开支", keep_control=True)  # fmt: skip
    allocation(client=client, person=p["wife"], purpose="support", annual_amount=Decimal(20) * W,
               start_year=2026, keep_control=False)  # fmt: skip
    allocation(client=client, person=p["daughter"], purpose="marriage", share_percent=Decimal(20),
               start_year=2052, condition="结婚时给付", keep_control=True)  # fmt: skip
    medical = _add(ExistingPolicy,
        client=client, insurer="众安保险", product_name="尊享e生百万医疗", product_type="medical",
        policyholder=p["me"], insured=p["me"], sum_assured=Decimal(300) * W, annual_premium=Decimal(1200),
        years_paid=1, years_total=1, start_date=dt.date(2023, 6, 1),
    )  # fmt: skip
    _add(PolicyBeneficiary, client=client, policy=medical, legal_heirs=True)
    # An accident policy for his father with no beneficiary named: the benefit would
    # fall into the estate (Insurance Law art. 42), one of the risks to find.
    _add(ExistingPolicy,
        client=client, insurer="中国人寿", product_name="老年意外险", product_type="accident",
        policyholder=p["me"], insured=p["father"], sum_assured=Decimal(20) * W, annual_premium=Decimal(600),
        years_paid=1, years_total=1, start_date=dt.date(2025, 9, 1),
    )  # fmt: skip


def fill_qian(client: Client, advisor: User) -> None:
    """The business owner's wife: no income of her own, wealth held through the husband's company."""
    if _is_filled(client):
        return
    _consent(client, advisor, dt.date(2026, 10, 20))
    p = _people(
        client,
        [
            {"key": "me", "relationship": "self", "name": client.name, "gender": "female", "birth_date": client.birth_date,
             "marital_status": "married", "occupation": "全职太太", "annual_income": Decimal(0), "worries_about": True},
            {"key": "husband", "relationship": "spouse", "name": "孙建军", "gender": "male", "birth_date": dt.date(1980, 4, 2),
             "marital_status": "married", "occupation": "实业公司董事长", "annual_income": Decimal(500) * W, "worries_about": True},
            {"key": "girl", "relationship": "child", "name": "孙悦", "gender": "female", "birth_date": dt.date(2015, 7, 9),
             "cares_about": True, "must_provide_for": True},
            {"key": "boy", "relationship": "child", "name": "孙浩", "gender": "male", "birth_date": dt.date(2018, 12, 1),
             "cares_about": True, "must_provide_for": True},
            {"key": "father", "relationship": "parent", "name": "钱伟", "gender": "male", "birth_date": dt.date(1960, 5, 16),
             "marital_status": "married", "occupation": "退休工程师", "annual_income": Decimal(12) * W, "cares_about": True},
            {"key": "mother", "relationship": "parent", "name": "刘芳", "gender": "female", "birth_date": dt.date(1962, 1, 25),
             "marital_status": "married", "occupation": "退休会计", "annual_income": Decimal(8) * W, "cares_about": True},
        ],
    )  # fmt: skip
    company = _add(
        Enterprise,
        client=client,
        name="上海建军实业有限公司",
        owner=p["husband"],
        share_percent=Decimal(90),
        is_legal_representative=True,
    )
    _assets(
        client,
        [
            (
                "equity",
                "建军实业 90% 股权",
                3000,
                company,
                "enterprise",
                "marital_common",
                "domestic",
                365,
            ),
            (
                "real_estate",
                "公司名下别墅",
                1500,
                company,
                "enterprise",
                "marital_common",
                "domestic",
                240,
            ),
            (
                "real_estate",
                "上海自住房（丈夫名下）",
                1200,
                p["husband"],
                "family",
                "marital_common",
                "domestic",
                180,
            ),
            (
                "stocks",
                "丈夫股票账户",
                300,
                p["husband"],
                "family",
                "marital_common",
                "domestic",
                3,
            ),
            ("deposit", "本人名下存款", 50, p["me"], "family", "pre_marital", "domestic", 1),
            (
                "private_fund",
                "香港私募基金",
                400,
                p["husband"],
                "family",
                "marital_common",
                "overseas",
                365,
            ),
        ],
    )
    _add(Liability,
        client=client, kind="business_loan", amount=Decimal(1000) * W, lender="浦发银行", borrower_enterprise=company,
        guarantor=p["husband"], joint_liability=True, due_year=2028,
    )  # fmt: skip
    _add(
        IncomeSource,
        client=client,
        person=p["husband"],
        kind="business",
        annual_amount=Decimal(500) * W,
    )
    Household.objects.update_or_create(
        client=client, defaults={"annual_spending": Decimal(150) * W, "no_policies": True}
    )
    _add(Allocation, client=client, person=p["girl"], purpose="education", annual_amount=Decimal(30) * W,
                              start_year=2026, end_year=2037, condition="含海外留学", keep_control=True)  # fmt: skip
    _add(Allocation, client=client, person=p["boy"], purpose="education", annual_amount=Decimal(30) * W,
                              start_year=2026, end_year=2040, keep_control=True)  # fmt: skip
    _add(Allocation, client=client, person=p["me"], purpose="pension", annual_amount=Decimal(24) * W,
                              start_year=2043, condition="本人 55 岁起终身领取", keep_control=True)  # fmt: skip


def fill_big_family(client: Client, advisor: User) -> None:
    """A three-generation family of 12 with 20 assets, to keep the pictures honest."""
    if _is_filled(client):
        return
    _consent(client, advisor, dt.date(2026, 9, 1))
    p = _people(
        client,
        [
            {"key": "me", "relationship": "self", "name": client.name, "gender": "male", "birth_date": client.birth_date,
             "marital_status": "married", "occupation": "制造企业董事长", "annual_income": Decimal(300) * W, "cares_about": True},
            {"key": "wife", "relationship": "spouse", "name": "陈美玲", "gender": "female", "birth_date": dt.date(1971, 6, 18),
             "marital_status": "married", "occupation": "公司财务总监", "annual_income": Decimal(60) * W, "cares_about": True},
            {"key": "ex", "relationship": "ex_spouse", "name": "吴丽华", "gender": "female", "birth_date": dt.date(1969, 3, 3),
             "marital_status": "divorced", "occupation": "教师", "residence": "overseas", "worries_about": True},
            {"key": "father", "relationship": "parent", "name": "周德福", "gender": "male", "birth_date": dt.date(1940, 1, 9),
             "is_deceased": True},
            {"key": "mother", "relationship": "parent", "name": "郑桂兰", "gender": "female", "birth_date": dt.date(1944, 10, 30),
             "must_provide_for": True, "health_notes": "糖尿病，需长期护理"},
            {"key": "fil", "relationship": "parent_in_law", "name": "陈国栋", "gender": "male", "birth_date": dt.date(1942, 8, 8)},
            {"key": "mil", "relationship": "parent_in_law", "name": "林素珍", "gender": "female", "birth_date": dt.date(1945, 2, 14),
             "must_provide_for": True},
            {"key": "brother", "relationship": "sibling", "name": "周明远", "gender": "male", "birth_date": dt.date(1972, 12, 5),
             "occupation": "公司副总经理", "worries_about": True},
            {"key": "son", "relationship": "child", "name": "周子轩", "gender": "male", "birth_date": dt.date(1992, 4, 21),
             "marital_status": "married", "occupation": "海外投资经理", "residence": "overseas", "nationality": "overseas", "cares_about": True},
            {"key": "daughter", "relationship": "child", "name": "周雨桐", "gender": "female", "birth_date": dt.date(2003, 9, 2),
             "occupation": "大学生", "cares_about": True, "must_provide_for": True},
            {"key": "grandson", "relationship": "grandchild", "name": "周乐天", "gender": "male", "birth_date": dt.date(2020, 5, 5),
             "residence": "overseas", "must_provide_for": True, "cares_about": True},
            {"key": "granddaughter", "relationship": "grandchild", "name": "周乐宜", "gender": "female", "birth_date": dt.date(2023, 11, 11),
             "residence": "overseas", "must_provide_for": True},
        ],
    )  # fmt: skip
    links = [
        (p["ex"], "parent_of", p["son"]),
        (p["son"], "parent_of", p["grandson"]),
        (p["son"], "parent_of", p["granddaughter"]),
        (p["father"], "parent_of", p["brother"]),
        (p["mother"], "parent_of", p["brother"]),
    ]
    for a, kind, b in links:
        _add(PersonLink, client=client, from_person=a, kind=kind, to_person=b)
    factory = _add(
        Enterprise,
        client=client,
        name="宁波明德精密制造有限公司",
        owner=p["me"],
        share_percent=Decimal(70),
        is_legal_representative=True,
    )
    trading = _add(
        Enterprise,
        client=client,
        name="明德国际贸易（香港）有限公司",
        owner=p["son"],
        share_percent=Decimal(100),
    )
    _assets(
        client,
        [
            (
                "equity",
                "明德制造 70% 股权",
                6000,
                factory,
                "enterprise",
                "marital_common",
                "domestic",
                365,
            ),
            ("equity", "香港贸易公司股权", 800, trading, "enterprise", "personal", "overseas", 365),
            (
                "real_estate",
                "宁波自住别墅",
                1800,
                p["me"],
                "family",
                "marital_common",
                "domestic",
                240,
            ),
            (
                "real_estate",
                "上海投资公寓",
                900,
                p["wife"],
                "family",
                "marital_common",
                "domestic",
                180,
            ),
            (
                "real_estate",
                "厂房（公司名下）",
                2500,
                factory,
                "enterprise",
                "marital_common",
                "domestic",
                365,
            ),
            (
                "real_estate",
                "婚前房产（杭州）",
                600,
                p["me"],
                "family",
                "pre_marital",
                "domestic",
                180,
            ),
            ("real_estate", "温哥华公寓", 1200, p["son"], "family", "personal", "overseas", 270),
            ("deposit", "银行定期存款", 500, p["me"], "family", "marital_common", "domestic", 30),
            ("deposit", "活期存款", 80, p["wife"], "family", "marital_common", "domestic", 1),
            ("money_market", "货币基金", 300, p["wife"], "family", "marital_common", "domestic", 1),
            ("bond_fund", "纯债基金", 400, p["me"], "family", "marital_common", "domestic", 3),
            ("stocks", "A 股账户", 350, p["me"], "family", "marital_common", "domestic", 3),
            ("stocks", "港股账户", 200, p["son"], "family", "personal", "overseas", 3),
            (
                "private_fund",
                "私募股权基金",
                800,
                p["me"],
                "family",
                "marital_common",
                "domestic",
                720,
            ),
            ("trust", "家族信托（已设立）", 1000, p["me"], "family", "personal", "domestic", 999),
            (
                "policy_cash_value",
                "终身寿险现金价值",
                260,
                p["me"],
                "family",
                "marital_common",
                "domestic",
                30,
            ),
            (
                "policy_cash_value",
                "年金险现金价值",
                120,
                p["wife"],
                "family",
                "marital_common",
                "domestic",
                30,
            ),
            ("gold_other", "实物黄金", 150, p["wife"], "family", "marital_common", "domestic", 7),
            ("gold_other", "字画收藏", 300, p["me"], "family", "marital_common", "domestic", 365),
            ("deposit", "美元存款（香港）", 220, p["son"], "family", "personal", "overseas", 3),
        ],
    )
    _add(Liability, client=client, kind="business_loan", amount=Decimal(3000) * W, lender="宁波银行",
                             borrower_enterprise=factory, guarantor=p["me"], joint_liability=True, due_year=2030)  # fmt: skip
    _add(Liability, client=client, kind="guarantee", amount=Decimal(800) * W, lender="农商银行",
                             guarantor=p["me"], joint_liability=True, notes="为供应商贷款提供担保")  # fmt: skip
    _add(Liability, client=client, kind="mortgage", amount=Decimal(300) * W, lender="工商银行",
                             borrower_person=p["wife"], annual_repayment=Decimal(36) * W, due_year=2035)  # fmt: skip
    for person, kind, amount in (
        (p["me"], "business", 300),
        (p["wife"], "salary", 60),
        (p["me"], "rental", 24),
        (p["mother"], "pension", 3),
    ):
        _add(
            IncomeSource, client=client, person=person, kind=kind, annual_amount=Decimal(amount) * W
        )
    Household.objects.update_or_create(
        client=client, defaults={"annual_spending": Decimal(120) * W}
    )
    allocations = [
        (p["daughter"], "education", 25, None, 2026, 2029, "本科及硕士学费"),
        (p["mother"], "support", 6, None, 2026, 2040, "含护理费用"),
        (p["mil"], "support", 4, None, 2026, 2038, ""),
        (p["grandson"], "education", 10, None, 2026, 2042, ""),
        (p["granddaughter"], "education", 10, None, 2029, 2045, ""),
        (p["son"], "inheritance", None, 30, 2040, None, "分期给付，保留控制权"),
        (p["daughter"], "marriage", None, 10, 2030, None, "结婚时给付"),
        (p["wife"], "pension", 36, None, 2031, None, "60 岁起终身"),
    ]
    for person, purpose, wan, share, start, end, condition in allocations:
        _add(Allocation,
            client=client, person=person, purpose=purpose, annual_amount=None if wan is None else Decimal(wan) * W,
            share_percent=None if share is None else Decimal(share), start_year=start, end_year=end,
            condition=condition, keep_control=purpose != "pension",
        )  # fmt: skip
    life = _add(ExistingPolicy,
        client=client, insurer="平安人寿", product_name="盛世金越终身寿", product_type="whole_life", policyholder=p["me"],
        insured=p["me"], sum_assured=Decimal(1000) * W, annual_premium=Decimal(50) * W, years_paid=6, years_total=10,
        start_date=dt.date(2020, 3, 1),
    )  # fmt: skip
    for order, person, share in (
        (1, p["wife"], 40),
        (1, p["son"], 30),
        (1, p["daughter"], 30),
        (2, p["mother"], 100),
    ):
        _add(
            PolicyBeneficiary,
            client=client,
            policy=life,
            person=person,
            order=order,
            share_percent=Decimal(share),
        )
    annuity = _add(ExistingPolicy,
        client=client, insurer="太平人寿", product_name="福享年年年金", product_type="annuity", policyholder=p["wife"],
        insured=p["wife"], sum_assured=Decimal(200) * W, annual_premium=Decimal(20) * W, years_paid=5, years_total=5,
        start_date=dt.date(2019, 7, 1), status="paid_up",
    )  # fmt: skip
    _add(PolicyBeneficiary, client=client, policy=annuity, person=p["daughter"], order=1)
