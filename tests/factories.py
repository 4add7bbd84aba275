"""Factories for test data: plain functions with sensible defaults, overridable."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model
from django.utils import timezone

from advisor_crm.accounts.models import Role, Team, User
from clients.models import Client
from clients.validators import id_number_check_char
from kms.models import KmsCase, ProposalBeneficiary, ProposalItem
from kyc.models import (
    Allocation,
    Asset,
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
from scoring.conditions import parse
from scoring.models import ClientScore, Rule, RuleSet, RuleSetVersion, Tier

_sequence = itertools.count(1)
PASSWORD = "test-pass-2026"


def make_user(
    *, username: str | None = None, role: str = Role.ADVISOR, team: Team | None = None, **extra: Any
) -> User:
    n = next(_sequence)
    user = User.objects.create_user(
        username=username or f"user{n}",
        password=PASSWORD,
        role=role,
        team=team,
        display_name=extra.pop("display_name", f"用户{n}"),
        **extra,
    )
    return user


def make_team(*, lead: User, name: str | None = None) -> Team:
    team = Team.objects.create(name=name or f"团队{next(_sequence)}", lead=lead)
    lead.team = team
    lead.save(update_fields=["team"])
    return team


def valid_id_number(
    *, region: str = "330106", birth: str = "19840315", sequence: str = "123"
) -> str:
    first17 = f"{region}{birth}{sequence}"
    return first17 + id_number_check_char(first17)


def make_client(*, owner: User, id_number: str = "", **fields: Any) -> Client:
    n = next(_sequence)
    defaults: dict[str, Any] = {
        "name": f"客户{n}",
        "phone": f"139{n:08d}",
        "client_type": "individual",
        "annual_income": Decimal("300000.00"),
        "industry": "internet",
        "cvm_stage": "retain",
        "city": "杭州",
    }
    defaults.update(fields)
    client = Client(owner=owner, **defaults)
    client.set_id_number(id_number)
    client.save()
    return client


# KYC ---------------------------------------------------------------------------------


def make_person(*, client: Client, relationship: str = "spouse", **fields: Any) -> Person:
    n = next(_sequence)
    defaults: dict[str, Any] = {"name": f"家人{n}", "gender": "female"}
    defaults.update(fields)
    return Person.objects.create(client=client, relationship=relationship, **defaults)


def born(age: int) -> dt.date:
    """A birth date that makes someone the given age this calendar year (Person.age_in)."""
    return dt.date(timezone.localdate().year - age, 1, 1)


def make_link(*, from_person: Person, to_person: Person, kind: str = "parent_of") -> PersonLink:
    return PersonLink.objects.create(
        client=from_person.client, from_person=from_person, kind=kind, to_person=to_person
    )


def make_enterprise(*, client: Client, **fields: Any) -> Enterprise:
    defaults: dict[str, Any] = {"name": f"企业{next(_sequence)}有限公司"}
    defaults.update(fields)
    return Enterprise.objects.create(client=client, **defaults)


def make_asset(*, client: Client, **fields: Any) -> Asset:
    defaults: dict[str, Any] = {"category": "deposit", "value": Decimal("1000000.00")}
    defaults.update(fields)
    return Asset.objects.create(client=client, **defaults)


def make_liability(*, client: Client, **fields: Any) -> Liability:
    defaults: dict[str, Any] = {
        "kind": "business_loan",
        "amount": Decimal("5000000.00"),
        "lender": "招商银行",
    }
    defaults.update(fields)
    return Liability.objects.create(client=client, **defaults)


def make_income(*, client: Client, **fields: Any) -> IncomeSource:
    defaults: dict[str, Any] = {"kind": "salary", "annual_amount": Decimal("600000.00")}
    defaults.update(fields)
    return IncomeSource.objects.create(client=client, **defaults)


def make_allocation(*, client: Client, person: Person, **fields: Any) -> Allocation:
    defaults: dict[str, Any] = {
        "purpose": "education",
        "annual_amount": Decimal("100000.00"),
        "start_year": 2030,
        "end_year": 2034,
    }
    defaults.update(fields)
    return Allocation.objects.create(client=client, person=person, **defaults)


def make_policy(*, client: Client, **fields: Any) -> ExistingPolicy:
    defaults: dict[str, Any] = {
        "insurer": "平安人寿",
        "product_name": "平安福",
        "product_type": "critical_illness",
        "sum_assured": Decimal("500000.00"),
        "annual_premium": Decimal("12000.00"),
        "years_paid": 3,
        "years_total": 20,
    }
    defaults.update(fields)
    return ExistingPolicy.objects.create(client=client, **defaults)


def make_household(*, client: Client, annual_spending: Decimal | None) -> Household:
    household, _created = Household.objects.update_or_create(
        client=client, defaults={"annual_spending": annual_spending}
    )
    return household


def make_beneficiary(
    *, policy: ExistingPolicy, person: Person | None = None, **fields: Any
) -> PolicyBeneficiary:
    return PolicyBeneficiary.objects.create(
        client=policy.client,
        policy=policy,
        person=person,
        legal_heirs=person is None,
        **fields,
    )


def make_consent(
    *, client: Client, recorded_by: User, scope: str = "both", **fields: Any
) -> SensitiveConsent:
    defaults: dict[str, Any] = {"given_on": dt.date(2026, 1, 5)}
    defaults.update(fields)
    return SensitiveConsent.objects.create(
        client=client, recorded_by=recorded_by, scope=scope, **defaults
    )


# KMS ---------------------------------------------------------------------------------


def make_case(*, client: Client, **fields: Any) -> KmsCase:
    """A draft case with no findings (services.case_start would run the detectors)."""
    fields.setdefault("created_by", client.owner)
    return KmsCase.objects.create(client=client, **fields)


def make_item(
    *,
    case: KmsCase,
    policyholder: Person,
    insured: Person,
    beneficiaries: tuple[tuple[Person, int, int | None], ...] = (),
    **fields: Any,
) -> ProposalItem:
    """A proposal item; beneficiaries are (person, order, share or None)."""
    defaults: dict[str, Any] = {
        "product_type": "whole_life",
        "sum_assured": Decimal("1000000.00"),
        "annual_premium": Decimal("10000.00"),
        "payment_years": 20,
    }
    defaults.update(fields)
    item = ProposalItem.objects.create(
        case=case, policyholder=policyholder, insured=insured, **defaults
    )
    for person, order, share in beneficiaries:
        ProposalBeneficiary.objects.create(
            item=item, person=person, order=order, share_percent=share
        )
    return item


def make_kyc_item(*, client: Client, key: str) -> Model:
    """One item of the given KYC section (see kyc.views.SECTIONS) for the client."""
    if key == "people":
        return make_person(client=client, relationship="child", name=f"孩子{next(_sequence)}")
    if key == "links":
        parent = make_person(client=client, relationship="ex_spouse", name=f"前妻{next(_sequence)}")
        child = make_person(client=client, relationship="child", name=f"孩子{next(_sequence)}")
        return make_link(from_person=parent, to_person=child)
    if key == "enterprises":
        return make_enterprise(client=client)
    if key == "assets":
        return make_asset(client=client, description="工行定期")
    if key == "liabilities":
        return make_liability(client=client)
    if key == "income":
        return make_income(client=client)
    if key == "allocations":
        person = make_person(client=client, relationship="child", name=f"孩子{next(_sequence)}")
        return make_allocation(client=client, person=person)
    if key == "policies":
        return make_policy(client=client)
    raise ValueError(key)


@dataclass
class Family:
    """A three-generation household of 12 people with 20 assets, for the pictures."""

    client: Client
    people: dict[str, Person]
    enterprise: Enterprise
    assets: list[Asset]
    liabilities: list[Liability]
    allocations: list[Allocation]
    # (parent, child) keys of `people`: who is drawn above whom.
    parent_child: list[tuple[str, str]]


# key: (relationship, name, gender, birth year, deceased, overseas)
FAMILY_PEOPLE: dict[str, tuple[str, str, str, int, bool, bool]] = {
    "father": ("parent", "赵大山", "male", 1956, True, False),
    "mother": ("parent", "钱秀英", "female", 1958, False, False),
    "father_in_law": ("parent_in_law", "孙建华", "male", 1957, False, False),
    "mother_in_law": ("parent_in_law", "李桂兰", "female", 1960, False, False),
    "me": ("self", "赵立新", "male", 1984, False, False),
    "wife": ("spouse", "孙丽娜", "female", 1987, False, False),
    "ex_wife": ("ex_spouse", "周敏", "female", 1985, False, True),
    "sister": ("sibling", "赵立红", "female", 1981, False, False),
    "daughter": ("child", "赵子涵", "female", 2024, False, False),
    "son": ("child", "赵子轩", "male", 2019, False, False),
    "first_daughter": ("child", "赵一诺", "female", 2010, False, True),
    "partner": ("business_partner", "王合伙", "male", 1979, False, False),
}

# (category, value in 万元, holding, marital, location, owner key or "company")
FAMILY_ASSETS: list[tuple[str, int, str, str, str, str]] = [
    ("deposit", 80, "family", "marital_common", "domestic", "me"),
    ("deposit", 35, "family", "personal", "domestic", "wife"),
    ("deposit", 120, "enterprise", "marital_common", "domestic", "company"),
    ("money_market", 200, "family", "marital_common", "domestic", "me"),
    ("money_market", 50, "family", "pre_marital", "domestic", "wife"),
    ("bond_fund", 150, "family", "marital_common", "domestic", "me"),
    ("bond_fund", 60, "family", "marital_common", "overseas", "me"),
    ("stocks", 45, "family", "marital_common", "domestic", "me"),
    ("stocks", 30, "family", "personal", "overseas", "ex_wife"),
    ("private_fund", 300, "family", "marital_common", "domestic", "me"),
    ("real_estate", 650, "family", "marital_common", "domestic", "me"),
    ("real_estate", 280, "family", "pre_marital", "domestic", "me"),
    ("real_estate", 420, "family", "marital_common", "overseas", "wife"),
    ("real_estate", 900, "enterprise", "marital_common", "domestic", "company"),
    ("equity", 1500, "enterprise", "marital_common", "domestic", "me"),
    ("policy_cash_value", 25, "family", "marital_common", "domestic", "me"),
    ("policy_cash_value", 12, "family", "personal", "domestic", "mother"),
    ("trust", 500, "family", "marital_common", "overseas", "me"),
    ("gold_other", 18, "family", "marital_common", "domestic", "mother"),
    ("gold_other", 7, "family", "personal", "domestic", "sister"),
]


def make_family(*, client: Client) -> Family:
    people = {
        key: make_person(
            client=client,
            relationship=relationship,
            name=name,
            gender=gender,
            birth_date=dt.date(year, 6, 1),
            is_deceased=deceased,
            residence="overseas" if overseas else "domestic",
            cares_about=key in {"daughter", "son"},
            worries_about=key in {"father", "mother"},
            must_provide_for=key in {"daughter", "son", "first_daughter", "mother"},
        )
        for key, (relationship, name, gender, year, deceased, overseas) in FAMILY_PEOPLE.items()
    }
    # The first daughter is the ex-wife's child, not the current wife's.
    make_link(from_person=people["ex_wife"], to_person=people["first_daughter"])
    enterprise = make_enterprise(
        client=client, name="立新软件有限公司", owner=people["me"], share_percent=Decimal(80)
    )
    assets = []
    for category, wan, holding, marital, location, owner in FAMILY_ASSETS:
        assets.append(
            make_asset(
                client=client,
                category=category,
                value=Decimal(wan) * 10_000,
                holding=holding,
                marital=marital,
                location=location,
                owner_person=None if owner == "company" else people[owner],
                owner_enterprise=enterprise if owner == "company" else None,
            )
        )
    liabilities = [
        make_liability(client=client, borrower_enterprise=enterprise, amount=Decimal(5_000_000)),
        make_liability(
            client=client,
            kind="guarantee",
            amount=Decimal(5_000_000),
            guarantor=people["me"],
            borrower_enterprise=enterprise,
            joint_liability=True,
        ),
        make_liability(
            client=client, kind="mortgage", amount=Decimal(1_800_000), borrower_person=people["me"]
        ),
    ]
    allocations = [
        make_allocation(client=client, person=people["daughter"], start_year=2042, end_year=2046),
        make_allocation(client=client, person=people["son"], start_year=2037, end_year=2041),
        make_allocation(
            client=client,
            person=people["first_daughter"],
            purpose="marriage",
            annual_amount=None,
            share_percent=Decimal(10),
            start_year=2035,
            end_year=None,
            condition="结婚时",
        ),
        make_allocation(
            client=client,
            person=people["mother"],
            purpose="support",
            annual_amount=Decimal(60_000),
            start_year=2020,
            end_year=2040,
            keep_control=False,
        ),
    ]
    parent_child = [
        ("father", "me"),
        ("mother", "me"),
        ("father_in_law", "wife"),
        ("mother_in_law", "wife"),
        ("me", "daughter"),
        ("wife", "daughter"),
        ("me", "son"),
        ("wife", "son"),
        ("me", "first_daughter"),
        ("ex_wife", "first_daughter"),
    ]
    return Family(
        client=client,
        people=people,
        enterprise=enterprise,
        assets=assets,
        liabilities=liabilities,
        allocations=allocations,
        parent_child=parent_child,
    )


# KYC form data, as the browser posts it ----------------------------------------------

BENEFICIARIES_NONE = {
    "beneficiaries-TOTAL_FORMS": "0",
    "beneficiaries-INITIAL_FORMS": "0",
    "beneficiaries-MIN_NUM_FORMS": "0",
    "beneficiaries-MAX_NUM_FORMS": "1000",
}


def kyc_new_data(*, key: str, client: Client) -> dict[str, str]:
    """A valid "add" form of a KYC section; creates the people the form refers to."""
    if key == "people":
        return {
            "relationship": "child", "name": "赵小满", "gender": "female",
            "birth_date": "2016-03-08", "age": "", "residence": "domestic",
            "nationality": "domestic", "marital_status": "single", "divorced_on": "",
            "occupation": "学生",
            "annual_income": "", "cares_about": "on", "health_notes": "", "notes": "",
            "parent_in_map": "",
        }  # fmt: skip
    if key == "links":
        parent = make_person(client=client, relationship="ex_spouse", name="前妻周敏")
        child = make_person(client=client, relationship="child", name="长女一诺")
        return {"from_person": str(parent.pk), "kind": "parent_of", "to_person": str(child.pk)}
    if key == "enterprises":
        return {"name": "立新软件有限公司", "owner": "", "share_percent": "80", "notes": ""}
    if key == "assets":
        return {
            "category": "money_market", "description": "余额宝", "value": "500万",
            "owner_person": "", "owner_enterprise": "", "holding": "family",
            "marital": "marital_common", "location": "domestic", "liquidity_days": "",
            "account_details": "", "notes": "",
        }  # fmt: skip
    if key == "liabilities":
        return {
            "kind": "business_loan", "amount": "500万", "lender": "杭州银行",
            "borrower_person": "", "borrower_enterprise": "", "guarantor": "",
            "annual_repayment": "", "due_year": "2029", "notes": "",
        }  # fmt: skip
    if key == "income":
        return {"person": "", "kind": "business", "annual_amount": "120万"}
    if key == "allocations":
        child = make_person(client=client, relationship="child", name="小女儿")
        return {
            "person": str(child.pk), "purpose": "education", "share_percent": "",
            "annual_amount": "10万", "lump_sum": "", "start_year": "2040", "end_year": "2044",
            "condition": "读大学时", "received_as": "direct", "trust_name": "",
            "source_asset": "", "keep_control": "on", "notes": "",
        }  # fmt: skip
    if key == "policies":
        return {
            "insurer": "中国人寿", "product_name": "国寿福", "product_type": "critical_illness",
            "policyholder": "", "insured": "", "sum_assured": "50万", "annual_premium": "1.2万",
            "years_paid": "3", "years_total": "20", "start_date": "2023-04-01",
            "status": "in_force", **BENEFICIARIES_NONE,
        }  # fmt: skip
    raise ValueError(key)


def form_data(form: forms.BaseForm) -> dict[str, str]:
    """What the browser posts for a rendered form left as it is."""
    data: dict[str, str] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def version_field(form: forms.BaseForm) -> dict[str, str]:
    """The row's version an edit form, rendered now, posts (advisor_crm.versioning)."""
    return {"row_version": str(form["row_version"].value())}


def kyc_edit_data(*, key: str, item: Model, **changes: str) -> dict[str, str]:
    """The edit form of a stored KYC item as posted unchanged, plus the changes."""
    from kyc import forms as kyc_forms
    from kyc.views import SECTIONS

    client = item.client  # type: ignore[attr-defined]
    data = form_data(SECTIONS[key].form(instance=item, client=client))
    if key == "policies":
        assert isinstance(item, ExistingPolicy)
        formset = kyc_forms.BeneficiaryFormSet(instance=item, client=client, prefix="beneficiaries")
        data.update(form_data(formset.management_form))
        for beneficiary_form in formset.forms:
            data.update(form_data(beneficiary_form))
    data.update(changes)
    return data


# Scoring -----------------------------------------------------------------------------


def make_version(
    *,
    created_by: User,
    rules: tuple[tuple[str, str, int], ...] = (("高收入", "annual_income >= 1000000", 30),),
    tiers: tuple[tuple[str, int], ...] = (("金", 30), ("银", -1000)),
    rule_set: RuleSet | None = None,
    **fields: Any,
) -> RuleSetVersion:
    """A draft rule-set version with rules given as (label, condition text, points)."""
    rule_set = rule_set or RuleSet.objects.get_or_create(name="测试规则")[0]
    number = (
        rule_set.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = RuleSetVersion.objects.create(
        rule_set=rule_set, number=number, created_by=created_by, **fields
    )
    for position, (label, text, points) in enumerate(rules, start=1):
        Rule.objects.create(
            version=version, position=position, label=label, condition=parse(text), points=points
        )
    for label, minimum in tiers:
        Tier.objects.create(version=version, label=label, min_score=minimum)
    return version


def make_score(
    *, client: Client, score: int, tier: str = "", version: RuleSetVersion | None = None
) -> ClientScore:
    """A client's current value as a rescoring would have stored it."""
    value, _created = ClientScore.objects.update_or_create(
        client=client,
        defaults={"owner_id": client.owner_id, "score": score, "tier": tier, "version": version},
    )
    return value
