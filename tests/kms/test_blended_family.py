"""Issue 12 C in the judgement and the plan: a blended family's risks, its wishes in the
plan PDF, and a trust as beneficiary shown as the structure diagram shows it.

The detectors have their own modules in tests/kms/detectors/; this one runs them
together on one household and reads what the wizard and the PDF make of it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.html import strip_tags

from clients.models import Client
from kms import detectors, plan_services
from kms.calculators import life_cover_need
from kms.facts import Facts
from kms.models import KmsCase
from kyc.models import Person
from kyc.selectors import kyc_load
from tests.conftest import Cast, logged_in
from tests.factories import (
    born,
    make_allocation,
    make_asset,
    make_beneficiary,
    make_case,
    make_item,
    make_link,
    make_person,
    make_policy,
)

BLENDED_RISKS = {
    "earlier_marriage_unprovided",
    "ex_spouse_beneficiary",
    "earlier_marriage_marital_money",
}


@dataclass
class Household:
    client: Client
    me: Person
    husband: Person
    ex_husband: Person
    daughter: Person
    stepson: Person
    young: Person


def _household(client: Client) -> Household:
    """林慧, 52, runs her own company; second husband 陈志远 and his son 陈浩 (26) of his
    first marriage, her daughter 张欣然 (24) of hers, their 陈小雨 (8). Her ex-husband
    张建国 is still the beneficiary of her old whole-life policy."""
    person = make_person
    h = Household(
        client=client,
        me=person(client=client, relationship="self", name="林慧", birth_date=born(52), marital_status="remarried"),
        husband=person(client=client, relationship="spouse", name="陈志远", gender="male", birth_date=born(55)),
        ex_husband=person(client=client, relationship="ex_spouse", name="张建国", gender="male",
                          birth_date=born(54), divorced_on=dt.date(2012, 9, 1)),
        daughter=person(client=client, relationship="child", name="张欣然", birth_date=born(24)),
        stepson=person(client=client, relationship="stepchild", name="陈浩", gender="male", birth_date=born(26)),
        young=person(client=client, relationship="child", name="陈小雨", birth_date=born(8), must_provide_for=True),
    )  # fmt: skip
    make_link(from_person=h.ex_husband, to_person=h.daughter)
    make_asset(client=client, description="招行存款", value=Decimal(3_000_000), marital="marital_common", owner_person=h.me)  # fmt: skip
    old = make_policy(
        client=client, insurer="新华人寿", product_name="红双喜", product_type="whole_life",
        policyholder=h.me, insured=h.me, sum_assured=Decimal(1_000_000), start_date=dt.date(2008, 5, 1),
    )  # fmt: skip
    make_beneficiary(policy=old, person=h.ex_husband)
    return h


def test_the_blended_family_raises_its_three_risks(cast: Cast) -> None:
    _household(cast.advisor_client)

    found = detectors.detect(Facts(kyc_load(client=cast.advisor_client)))

    assert BLENDED_RISKS - {"earlier_marriage_marital_money"} <= set(found)
    # Nothing is meant for the daughter yet, so no money of hers is held jointly.
    assert "earlier_marriage_marital_money" not in found


def test_a_wish_for_the_daughter_from_joint_money_moves_the_risk(cast: Cast) -> None:
    h = _household(cast.advisor_client)
    make_allocation(
        client=h.client, person=h.daughter, purpose="marriage", annual_amount=None,
        lump_sum=Decimal(5_000_000), start_year=2027, end_year=None, condition="结婚时",
    )  # fmt: skip

    found = detectors.detect(Facts(kyc_load(client=cast.advisor_client)))

    assert BLENDED_RISKS & set(found) == {"ex_spouse_beneficiary", "earlier_marriage_marital_money"}


def test_a_lump_sum_still_to_pay_counts_in_the_life_cover_need(cast: Cast) -> None:
    h = _household(cast.advisor_client)
    facts = Facts(kyc_load(client=h.client))
    before = life_cover_need(facts, {}).input("allocations").value
    this_year = facts.year
    make_allocation(client=h.client, person=h.young, purpose="education", annual_amount=None, lump_sum=Decimal(800_000), start_year=this_year + 10, end_year=None)  # fmt: skip
    make_allocation(client=h.client, person=h.young, purpose="education", annual_amount=None, lump_sum=Decimal(300_000), start_year=this_year - 1, end_year=None)  # fmt: skip

    after = life_cover_need(Facts(kyc_load(client=h.client)), {}).input("allocations").value

    # The one to come counts once; the one paid last year is spent.
    assert after - before == Decimal(800_000)


# The plan: wishes in the appendix, the trust as beneficiary ---------------------------


def _plan_html(case: KmsCase, cast: Cast) -> str:
    document = plan_services.plan_request(case=case, user=cast.advisor)
    return plan_services.plan_html(document)


def test_the_plan_lists_a_lump_sum_money_kept_personal_and_a_trust(
    cast: Cast, zhao_case: KmsCase
) -> None:
    client = zhao_case.client
    daughter = Person.objects.get(client=client, name="赵可欣")
    flat = make_asset(client=client, description="婚前公寓", marital="pre_marital")
    make_allocation(client=client, person=daughter, purpose="marriage", annual_amount=None, lump_sum=Decimal(5_000_000), start_year=2040, end_year=None, condition="结婚时", received_as="designated_gift", source_asset=flat)  # fmt: skip
    make_allocation(client=client, person=daughter, purpose="inheritance", annual_amount=None, share_percent=Decimal(30), start_year=2045, end_year=None, received_as="trust", trust_name="家族信托1号")  # fmt: skip

    html = _plan_html(zhao_case, cast)
    text = strip_tags(html)

    assert "一次性 500万元" in text
    assert "指定赠与：受益人的个人财产" in text
    assert "资金来源: 婚前公寓 (婚前财产)" in text
    assert "经信托家族信托1号给付" in text
    # The lump sum is one year, not a span.
    assert re.search(r"<td class=\"nowrap\">2040</td>", html)


def test_the_plan_shows_the_trust_as_beneficiary_and_its_beneficiaries_apart(
    cast: Cast, zhao_case: KmsCase
) -> None:
    html = _plan_html(zhao_case, cast)

    row = re.search(r"<th>受益人</th><td>(.*?)</td>", html)
    trust_row = re.search(r"<th>信托受益人</th><td>(.*?)</td>", html)
    assert row and trust_row
    assert strip_tags(row.group(1)) == "示例信托有限公司（保险金信托）"
    for name in ("李静", "赵可欣", "赵国强", "王秀英"):
        assert name in trust_row.group(1) and name not in row.group(1)


def test_the_suggest_page_shows_the_trust_as_beneficiary_and_as_policyholder(
    cast: Cast,
) -> None:
    h = _household(cast.advisor_client)
    # Accepted, hence read-only: the page shows without the earlier steps completed.
    case = make_case(client=h.client, status="accepted")
    make_item(case=case, policyholder=h.me, insured=h.me, trust_mode="beneficiary", trustee_name="中信信托", beneficiaries=((h.daughter, 1, 60), (h.young, 1, 40)))  # fmt: skip
    make_item(case=case, policyholder=h.me, insured=h.young, trust_mode="policyholder", trustee_name="平安信托", beneficiaries=((h.me, 1, None),))  # fmt: skip

    html = (
        logged_in(cast.advisor).get(reverse("kms:step", args=[case.pk, "suggest"])).content.decode()
    )
    text = " ".join(strip_tags(html).split())

    assert (
        "受益人 中信信托（保险金信托） → 信托受益人 张欣然 (第 1 顺位, 60%); 陈小雨 (第 1 顺位, 40%)"
        in text
    )
    assert (
        "投保人 平安信托（保险金信托，委托人林慧） → 被保险人 陈小雨 → 受益人 林慧 (第 1 顺位)"
        in text
    )
