"""Live validation of proposal items: every rule passing and failing, and the worked cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from pytest_django import Settings

from advisor_crm.accounts.models import User
from clients.models import Client
from demo.kyc import fill_qian, fill_zhao
from kms import selectors, services
from kms.calculators import life_cover_need
from kms.facts import Facts
from kms.models import CaseStatus, FindingStatus, KmsCase, ProposalBeneficiary, ProposalItem
from kms.validation import BLOCK, NOTE, WARNING, Message, validate_item
from kyc.models import Person
from kyc.selectors import kyc_load
from tests.conftest import Cast
from tests.factories import (
    born,
    make_case,
    make_client,
    make_household,
    make_income,
    make_item,
    make_link,
    make_person,
    make_policy,
)

# Household ---------------------------------------------------------------------------


@dataclass
class Household:
    client: Client
    me: Person
    wife: Person
    daughter: Person  # aged 5
    teen: Person  # aged 12
    father: Person
    grandpa: Person
    sister: Person  # not provided for
    brother: Person  # provided for by the client
    friend: Person
    employee: Person
    employees_son: Person


@pytest.fixture
def home(cast: Cast) -> Household:
    """The client earns 1,000,000 a year; the household spends 300,000; nothing else."""
    client = cast.advisor_client
    person = make_person
    h = Household(
        client=client,
        me=person(client=client, relationship="self", name="赵建国", gender="male", birth_date=born(42)),
        wife=person(client=client, relationship="spouse", name="李静", must_provide_for=True),
        daughter=person(client=client, relationship="child", name="赵可欣", birth_date=born(5), must_provide_for=True),
        teen=person(client=client, relationship="child", name="赵子轩", gender="male", birth_date=born(12)),
        father=person(client=client, relationship="parent", name="赵国强", gender="male", birth_date=born(70)),
        grandpa=person(client=client, relationship="grandparent", name="赵老太爷", gender="male", birth_date=born(92)),
        sister=person(client=client, relationship="sibling", name="赵立红"),
        brother=person(client=client, relationship="sibling", name="赵立军", gender="male", must_provide_for=True),
        friend=person(client=client, relationship="friend", name="孙朋友", gender="male", birth_date=born(40)),
        employee=person(client=client, relationship="employee", name="王员工", gender="male", birth_date=born(30)),
        employees_son=person(client=client, relationship="other", name="王小宝", gender="male", birth_date=born(3)),
    )  # fmt: skip
    make_link(from_person=h.employee, to_person=h.employees_son)
    make_income(client=client, person=h.me, kind="business", annual_amount=Decimal(1_000_000))
    make_household(client=client, annual_spending=Decimal(300_000))
    return h


def _item(holder: Person, insured: Person, **fields: Any) -> ProposalItem:
    """An unsaved item, as the live check sees one being typed."""
    defaults: dict[str, Any] = {
        "product_type": "whole_life",
        "sum_assured": Decimal(1_000_000),
        "annual_premium": Decimal(10_000),
        "payment_years": 20,
    }
    return ProposalItem(policyholder=holder, insured=insured, **{**defaults, **fields})


def _ben(person: Person | None, order: int = 1, share: str | None = None) -> ProposalBeneficiary:
    return ProposalBeneficiary(
        person=person,
        legal_heirs=person is None,
        order=order,
        share_percent=None if share is None else Decimal(share),
    )


def _check(
    client: Client,
    item: ProposalItem,
    beneficiaries: Iterable[ProposalBeneficiary] = (),
    *,
    other_items: Iterable[ProposalItem] = (),
    with_need: bool = False,
) -> list[Message]:
    facts = Facts(kyc_load(client=client))
    with translation.override("en"):
        return validate_item(
            item=item,
            beneficiaries=list(beneficiaries),
            facts=facts,
            other_items=list(other_items),
            life_cover=life_cover_need(facts, {}) if with_need else None,
        )


def _rules(messages: list[Message], level: str | None = None) -> set[str]:
    return {m.rule for m in messages if level is None or m.level == level}


def _texts(messages: list[Message], rule: str) -> list[str]:
    return [m.text for m in messages if m.rule == rule]


# Art. 31: insurable interest ---------------------------------------------------------


@pytest.mark.parametrize(
    ("holder", "insured"),
    [
        ("me", "me"),
        ("me", "wife"),
        ("wife", "me"),
        ("me", "daughter"),
        ("wife", "daughter"),  # the spouse is the other parent of the client's child
        ("father", "me"),
        ("me", "father"),
        ("me", "brother"),  # a family member the client provides for
        ("me", "employee"),
    ],
)
def test_it_finds_an_insurable_interest(home: Household, holder: str, insured: str) -> None:
    item = _item(getattr(home, holder), getattr(home, insured), product_type="critical_illness")

    assert "insurable_interest" not in _rules(_check(home.client, item))


@pytest.mark.parametrize(
    ("holder", "insured"),
    [("friend", "me"), ("me", "sister"), ("me", "friend"), ("grandpa", "teen")],
)
def test_it_blocks_a_policyholder_without_insurable_interest(
    home: Household, holder: str, insured: str
) -> None:
    item = _item(getattr(home, holder), getattr(home, insured), product_type="critical_illness")

    messages = _check(home.client, item)

    assert [(m.level, m.rule) for m in messages if m.rule == "insurable_interest"] == [
        (BLOCK, "insurable_interest")
    ]


def test_it_explains_the_missing_insurable_interest(home: Household) -> None:
    messages = _check(home.client, _item(home.friend, home.me))

    assert _texts(messages, "insurable_interest") == [
        "孙朋友 has no insurable interest in 赵建国: record the insured's written consent, "
        "or choose a policyholder who is the insured, their spouse, parent or child."
    ]
    with translation.override("en"):
        references = {m.reference for m in messages if m.rule == "insurable_interest"}
    assert references == {"Insurance Law art. 31"}


def test_it_accepts_a_stranger_as_policyholder_with_the_insureds_consent(home: Household) -> None:
    messages = _check(home.client, _item(home.friend, home.me, insured_consent=True))

    assert not _rules(messages, BLOCK)


def test_it_blocks_a_second_policyholder_without_insurable_interest(home: Household) -> None:
    item = _item(home.me, home.me, second_policyholder=home.friend)

    messages = _check(home.client, item)

    assert _texts(messages, "insurable_interest") == [
        "The second policyholder 孙朋友 has no insurable interest in 赵建国 and the insured's consent is not recorded."
    ]
    with_wife = _item(home.me, home.me, second_policyholder=home.wife)
    assert "insurable_interest" not in _rules(_check(home.client, with_wife))


# Art. 33: minors' death cover --------------------------------------------------------


def test_it_allows_a_parent_death_cover_on_a_child_up_to_the_cap(home: Household) -> None:
    item = _item(home.me, home.daughter, sum_assured=Decimal(200_000))

    assert not _rules(_check(home.client, item), BLOCK)


def test_it_blocks_death_cover_above_the_cap_for_a_child_of_5(home: Household) -> None:
    item = _item(home.me, home.daughter, sum_assured=Decimal(500_000))

    messages = _check(home.client, item)

    assert _rules(messages, BLOCK) == {"minors_death_cover"}
    assert _texts(messages, "minors_death_cover") == [
        "Death cover on 赵可欣 (aged 5) would total 500,000 yuan, above the cap of 200,000 yuan "
        "for this age (existing policies 0 yuan, other proposal items 0 yuan)."
    ]


def test_it_counts_the_childs_existing_policies_toward_the_cap(home: Household) -> None:
    make_policy(
        client=home.client, product_type="accident", insured=home.daughter,
        sum_assured=Decimal(150_000),
    )  # fmt: skip
    # Lapsed policies and health cover pay no death benefit and do not count.
    make_policy(
        client=home.client, product_type="whole_life", insured=home.daughter,
        sum_assured=Decimal(1_000_000), status="lapsed",
    )  # fmt: skip
    make_policy(client=home.client, product_type="critical_illness", insured=home.daughter)
    item = _item(home.me, home.daughter, sum_assured=Decimal(100_000))

    messages = _check(home.client, item)

    # 100,000 proposed + 150,000 existing = 250,000 > 200,000.
    assert _texts(messages, "minors_death_cover") == [
        "Death cover on 赵可欣 (aged 5) would total 250,000 yuan, above the cap of 200,000 yuan "
        "for this age (existing policies 150,000 yuan, other proposal items 0 yuan)."
    ]


def test_it_counts_the_other_proposal_items_toward_the_cap(home: Household) -> None:
    case = make_case(client=home.client)
    other = make_item(
        case=case, policyholder=home.wife, insured=home.daughter, sum_assured=Decimal(150_000)
    )
    item = _item(home.me, home.daughter, sum_assured=Decimal(100_000))

    messages = _check(home.client, item, other_items=[other])

    assert "minors_death_cover" in _rules(messages, BLOCK)
    assert "other proposal items 150,000 yuan" in _texts(messages, "minors_death_cover")[0]


def test_it_allows_500000_for_a_child_of_12_but_not_more(home: Household) -> None:
    assert not _rules(_check(home.client, _item(home.me, home.teen, sum_assured=Decimal(500_000))), BLOCK)  # fmt: skip

    messages = _check(home.client, _item(home.me, home.teen, sum_assured=Decimal(600_000)))

    assert _rules(messages, BLOCK) == {"minors_death_cover"}
    assert "cap of 500,000 yuan" in _texts(messages, "minors_death_cover")[0]


def test_it_counts_the_death_benefit_when_it_differs_from_the_sum_assured(
    home: Household,
) -> None:
    item = _item(
        home.me, home.daughter, product_type="annuity", sum_assured=Decimal(1_000_000),
        death_benefit=Decimal(100_000),
    )  # fmt: skip

    assert not _rules(_check(home.client, item), BLOCK)


def test_it_blocks_death_cover_on_a_minor_taken_out_by_someone_other_than_a_parent(
    home: Household,
) -> None:
    item = _item(home.grandpa, home.daughter, sum_assured=Decimal(100_000), insured_consent=True)

    messages = _check(home.client, item)

    assert _texts(messages, "minors_death_cover") == [
        "赵可欣 is 5: only a parent may take out death cover on a minor."
    ]


def test_it_lets_a_parent_cover_a_minor_for_illness_beyond_the_cap(home: Household) -> None:
    item = _item(home.me, home.daughter, product_type="critical_illness", sum_assured=Decimal(500_000))  # fmt: skip

    assert not _rules(_check(home.client, item), BLOCK)


def test_it_follows_the_cap_an_admin_sets(home: Household, cast: Cast) -> None:
    services.parameter_set(key="minor_death_cap_under_10", value=Decimal(300_000), user=cast.admin)

    item = _item(home.me, home.daughter, sum_assured=Decimal(250_000))

    assert not _rules(_check(home.client, item), BLOCK)


# Art. 34: consent to death cover -----------------------------------------------------


def test_it_blocks_death_cover_on_an_adult_without_their_consent(home: Household) -> None:
    messages = _check(home.client, _item(home.wife, home.me))

    assert _rules(messages, BLOCK) == {"death_cover_consent"}
    assert _texts(messages, "death_cover_consent") == [
        "Death cover on 赵建国 taken out by 李静 needs 赵建国's written consent to the policy "
        "and the sum assured: record it."
    ]


def test_it_accepts_death_cover_with_the_insureds_consent(home: Household) -> None:
    assert not _rules(_check(home.client, _item(home.wife, home.me, insured_consent=True)), BLOCK)


def test_it_needs_no_consent_from_a_minor_insured_by_a_parent(home: Household) -> None:
    messages = _check(home.client, _item(home.wife, home.daughter, sum_assured=Decimal(200_000)))

    assert "death_cover_consent" not in _rules(messages)


def test_it_needs_no_consent_for_health_cover(home: Household) -> None:
    messages = _check(home.client, _item(home.wife, home.me, product_type="critical_illness"))

    assert "death_cover_consent" not in _rules(messages)


# Art. 39: an employee's beneficiaries ------------------------------------------------


def test_it_blocks_an_employees_beneficiary_who_is_not_a_close_relative(home: Household) -> None:
    item = _item(home.me, home.employee, insured_consent=True)

    messages = _check(home.client, item, [_ben(home.friend)])

    assert _rules(messages, BLOCK) == {"beneficiary_designation"}
    assert _texts(messages, "beneficiary_designation") == [
        "王员工 is insured as an employee: 孙朋友 is not a close relative and cannot be the beneficiary."
    ]


def test_it_accepts_an_employees_own_child_as_beneficiary(home: Household) -> None:
    item = _item(home.me, home.employee, insured_consent=True)

    messages = _check(home.client, item, [_ben(home.employees_son)])

    assert "beneficiary_designation" not in _rules(messages)


def test_it_leaves_beneficiaries_free_when_the_insured_is_not_an_employee(home: Household) -> None:
    messages = _check(home.client, _item(home.me, home.me), [_ben(home.friend)])

    assert "beneficiary_designation" not in _rules(messages)


# Art. 40: beneficiary shares ---------------------------------------------------------


@pytest.mark.parametrize(
    "shares",
    [("60", "40"), (None, None), ("33.33", "33.33", "33.34")],
    ids=["100", "blank", "thirds"],
)
def test_it_accepts_shares_that_add_to_100_or_are_all_blank(
    home: Household, shares: tuple[str | None, ...]
) -> None:
    people = [home.wife, home.daughter, home.father]
    rows = [_ben(person, 1, share) for person, share in zip(people, shares, strict=False)]

    messages = _check(home.client, _item(home.me, home.me), rows)

    assert "beneficiary_shares" not in _rules(messages)


def test_it_blocks_shares_that_do_not_add_to_100(home: Household) -> None:
    rows = [_ben(home.wife, 1, "60"), _ben(home.daughter, 1, "30")]

    messages = _check(home.client, _item(home.me, home.me), rows)

    assert _rules(messages, BLOCK) == {"beneficiary_shares"}
    assert _texts(messages, "beneficiary_shares") == [
        "Shares of order 1 add up to 90% (2 of 2 given): make them 100% or leave them all blank."
    ]


def test_it_blocks_shares_given_for_some_beneficiaries_only(home: Household) -> None:
    rows = [_ben(home.wife, 1, "100"), _ben(home.daughter, 1, None)]

    messages = _check(home.client, _item(home.me, home.me), rows)

    assert _texts(messages, "beneficiary_shares") == [
        "Shares of order 1 add up to 100% (1 of 2 given): make them 100% or leave them all blank."
    ]


def test_it_checks_each_order_on_its_own(home: Household) -> None:
    rows = [_ben(home.wife, 1, "100"), _ben(home.daughter, 2, "50"), _ben(home.father, 2, "40")]

    messages = _check(home.client, _item(home.me, home.me), rows)

    assert _texts(messages, "beneficiary_shares") == [
        "Shares of order 2 add up to 90% (2 of 2 given): make them 100% or leave them all blank."
    ]


# Art. 42: no beneficiary -------------------------------------------------------------


def test_it_warns_that_without_a_beneficiary_the_benefit_goes_to_the_estate(
    home: Household,
) -> None:
    messages = _check(home.client, _item(home.me, home.me))

    assert [(m.level, m.text) for m in messages if m.rule == "no_beneficiary"] == [
        (
            WARNING,
            "No beneficiary is named: the death benefit would become part of 赵建国's estate.",
        )
    ]


def test_it_does_not_warn_when_a_beneficiary_is_named(home: Household) -> None:
    messages = _check(home.client, _item(home.me, home.me), [_ben(home.wife)])

    assert "no_beneficiary" not in _rules(messages)


def test_it_does_not_warn_about_beneficiaries_of_health_cover(home: Household) -> None:
    messages = _check(home.client, _item(home.me, home.me, product_type="critical_illness"))

    assert "no_beneficiary" not in _rules(messages)


def test_it_counts_the_legal_heirs_as_a_named_beneficiary(home: Household) -> None:
    """Naming the legal heirs is a designation (as kms.detectors.no_beneficiary holds):
    the benefit goes to them as beneficiaries, not into the estate."""
    messages = _check(home.client, _item(home.me, home.me), [_ben(None)])

    assert "no_beneficiary" not in _rules(messages)


# Affordability -----------------------------------------------------------------------


def test_it_warns_when_premiums_exceed_a_tenth_of_income(home: Household) -> None:
    messages = _check(home.client, _item(home.me, home.me, annual_premium=Decimal(110_000)))

    assert [(m.level, m.text) for m in messages if m.rule == "affordability"] == [
        (
            WARNING,
            "Annual premiums of 110,000 yuan are 11% of the household income of 1,000,000 yuan, above 10%.",
        )
    ]


def test_it_accepts_premiums_of_a_tenth_of_income(home: Household) -> None:
    messages = _check(home.client, _item(home.me, home.me, annual_premium=Decimal(100_000)))

    assert "affordability" not in _rules(messages)


def test_it_adds_premiums_still_being_paid_and_other_items(home: Household) -> None:
    make_policy(
        client=home.client,
        insured=home.me,
        annual_premium=Decimal(20_000),
        years_paid=3,
        years_total=20,
    )
    # Paid up or lapsed: nothing more to pay.
    make_policy(
        client=home.client,
        insured=home.me,
        annual_premium=Decimal(50_000),
        years_paid=5,
        years_total=5,
    )
    make_policy(client=home.client, insured=home.me, annual_premium=Decimal(50_000), status="lapsed")  # fmt: skip
    other = make_item(
        case=make_case(client=home.client), policyholder=home.me, insured=home.wife,
        annual_premium=Decimal(30_000),
    )  # fmt: skip
    item = _item(home.me, home.me, annual_premium=Decimal(60_000))

    messages = _check(home.client, item, other_items=[other])

    # 60,000 + 30,000 + 20,000 = 110,000 of 1,000,000.
    assert _texts(messages, "affordability") == [
        "Annual premiums of 110,000 yuan are 11% of the household income of 1,000,000 yuan, above 10%."
    ]


def test_it_warns_that_affordability_cannot_be_checked_without_income(cast: Cast) -> None:
    me = make_person(client=cast.advisor_client, relationship="self", name="赵建国")

    messages = _check(cast.advisor_client, _item(me, me))

    assert _texts(messages, "affordability") == [
        "No household income is recorded, so affordability cannot be checked."
    ]


def test_it_follows_the_premium_share_an_admin_sets(home: Household, cast: Cast) -> None:
    services.parameter_set(key="premium_income_share", value=Decimal(15), user=cast.admin)

    messages = _check(home.client, _item(home.me, home.me, annual_premium=Decimal(110_000)))

    assert "affordability" not in _rules(messages)


# Cover against need ------------------------------------------------------------------


def test_it_notes_the_gap_between_cover_and_need(home: Household) -> None:
    # Need: 10 × 300,000 of spending = 3,000,000.
    messages = _check(
        home.client, _item(home.me, home.me, sum_assured=Decimal(1_000_000)), with_need=True
    )

    assert [(m.level, m.text) for m in messages if m.rule == "cover_need"] == [
        (
            NOTE,
            "Proposed life cover 1,000,000 yuan against a need of 3,000,000 yuan: a gap of 2,000,000 yuan remains.",
        )
    ]


def test_it_notes_a_surplus_counting_the_other_items(home: Household) -> None:
    other = make_item(
        case=make_case(client=home.client), policyholder=home.me, insured=home.me,
        sum_assured=Decimal(2_500_000),
    )  # fmt: skip
    item = _item(home.me, home.me, sum_assured=Decimal(1_000_000))

    messages = _check(home.client, item, other_items=[other], with_need=True)

    assert _texts(messages, "cover_need") == [
        "Proposed life cover 3,500,000 yuan against a need of 3,000,000 yuan: a surplus of 500,000 yuan."
    ]


def test_it_compares_need_only_for_the_main_earner(home: Household) -> None:
    messages = _check(home.client, _item(home.me, home.wife, insured_consent=True), with_need=True)

    assert "cover_need" not in _rules(messages)


# The worked cases of DOMAIN.md -------------------------------------------------------


def _demo_client(owner: User, name: str, birth: dt.date, income: int) -> Client:
    return make_client(
        owner=owner, name=name, birth_date=birth, occupation="企业主", occupation_class=1,
        annual_income=Decimal(income),
    )  # fmt: skip


@pytest.fixture
def zhao(cast: Cast) -> Client:
    client = _demo_client(cast.advisor, "赵立新", dt.date(1984, 5, 18), 1_500_000)
    fill_zhao(client, cast.advisor)
    return client


@pytest.fixture
def qian(cast: Cast) -> Client:
    client = _demo_client(cast.advisor, "钱雅琴", dt.date(1988, 9, 6), 0)
    fill_qian(client, cast.advisor)
    return client


def _people(client: Client) -> dict[str, Person]:
    return {p.name: p for p in client.people.all()}


def test_mr_zhao_has_his_guarantee_and_sole_earning_found(zhao: Client, cast: Cast) -> None:
    case = services.case_start(client=zhao, user=cast.advisor)

    findings = {f.detector: f for f in case.findings.all()}
    assert findings["guarantee"].category == "ownership_change"
    assert findings["sole_earner"].category == "loss"
    with translation.override("zh-hans"):
        assert findings["guarantee"].fact_texts() == [
            "赵立新为杭州立新软件科技有限公司在招商银行杭州分行的500万元贷款承担连带责任担保"
        ]
    need = life_cover_need(Facts(kyc_load(client=zhao)), {}).result
    with translation.override("en"):
        earner, dependants, cover = findings["sole_earner"].fact_texts()
    assert earner.startswith("赵立新 earns ")
    assert dependants == "Dependants: 李静、赵可欣、赵国强、王秀英"
    # He has no life cover at all (only medical), short of a need above the 5 million proposed.
    assert need > 5_000_000
    assert cover == (f"Existing life cover 0 yuan; computed need a further {int(need):,} yuan")


def test_mr_zhaos_proposal_validates(zhao: Client) -> None:
    p = _people(zhao)
    item = _item(
        p["赵立新"], p["赵立新"], product_type="whole_life", sum_assured=Decimal(5_000_000),
        annual_premium=Decimal(175_000), payment_years=20, trust_mode="beneficiary",
        trustee_name="示例信托有限公司",
    )  # fmt: skip
    beneficiaries = [
        _ben(p["李静"], 1, "40"), _ben(p["赵可欣"], 1, "40"), _ben(p["赵国强"], 1, "10"),
        _ben(p["王秀英"], 1, "10"),
    ]  # fmt: skip

    messages = _check(zhao, item, beneficiaries, with_need=True)

    assert not _rules(messages, BLOCK)
    # What remains is advice: 175,000 is 11% of 1,548,000 (his income and his father's
    # pension), and 5 million leaves part of his need uncovered.
    assert {(m.level, m.rule) for m in messages} == {
        (WARNING, "affordability"),
        (NOTE, "cover_need"),
    }
    assert "a gap of" in _texts(messages, "cover_need")[0]


def test_mr_zhaos_friend_cannot_insure_him_without_consent(zhao: Client) -> None:
    friend = make_person(client=zhao, relationship="friend", name="孙朋友", gender="male")
    me = _people(zhao)["赵立新"]

    messages = _check(zhao, _item(friend, me, sum_assured=Decimal(5_000_000)))

    assert "insurable_interest" in _rules(messages, BLOCK)
    assert _texts(messages, "insurable_interest")[0].startswith(
        "孙朋友 has no insurable interest in 赵立新"
    )


def test_the_wifes_parents_insure_her_with_her_consent(qian: Client) -> None:
    p = _people(qian)
    item = _item(
        p["钱伟"], p["钱雅琴"], second_policyholder=p["刘芳"], sum_assured=Decimal(8_000_000),
        annual_premium=Decimal(1_000_000), payment_years=5, insured_consent=True,
    )  # fmt: skip
    beneficiaries = [_ben(p["孙悦"]), _ben(p["孙浩"])]

    messages = _check(qian, item, beneficiaries, with_need=True)

    assert not _rules(messages, BLOCK)

    item.insured_consent = False
    # Her parents have an insurable interest, but death cover on her needs her consent.
    assert _rules(_check(qian, item, beneficiaries), BLOCK) == {"death_cover_consent"}


def test_the_demo_cases_are_complete_and_valid(db: None, settings: Settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    zhao_case = KmsCase.objects.get(client__name="赵立新")
    qian_case = KmsCase.objects.get(client__name="钱雅琴")
    assert (zhao_case.status, qian_case.status) == (CaseStatus.ACCEPTED, CaseStatus.PRESENTED)
    for case in (zhao_case, qian_case):
        state = selectors.case_state(case=case)
        assert state.checks and not any(check.blocked for check in state.checks)
        assert not any(state.blockers(step) for step in selectors.STEPS)
        assert all(f.status == FindingStatus.CONFIRMED for f in state.findings)
    detectors = set(zhao_case.findings.values_list("detector", flat=True))
    assert {"guarantee", "sole_earner"} <= detectors
