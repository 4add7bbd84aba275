"""Issue 12 C's journey: a blended family that is not in the demo data, entered in the
browser, whose second-marriage risks the KMS wizard then detects and cites.

林慧, 52, runs her own company and married again: her husband 陈志远 brings his son 陈浩
from his first marriage, she her daughter 张欣然 from hers, and they have 陈小雨, 8. Her
ex-husband 张建国 is still the beneficiary of the whole-life policy she bought in 2008.
She wants to give her daughter 500万 when she marries, out of a joint deposit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import Settings

from advisor_crm.accounts.models import User
from kyc.models import Allocation, Asset, Person
from tests.factories import make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add(page: Any, section: str, values: dict[str, str], shows: str) -> None:
    """Open a section's add form, fill it, save, and check that the section shows `shows`."""
    page.click(f"#section-{section} >> text=添加")
    form = page.locator(f"#new-{section} form")
    for name, value in values.items():
        field = form.locator(f"[name='{name}']")
        tag = field.evaluate("e => e.tagName + (e.type || '')")
        if tag.startswith("SELECT"):
            field.select_option(label=value) if not value.isascii() else field.select_option(value)
        elif tag == "INPUTcheckbox":
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    # Saved: the section is drawn again, without the form (a refused form stays open).
    try:
        page.locator(f"#new-{section} form").wait_for(state="detached")
    except Exception:
        errors = page.locator(f"#new-{section} form .error").all_inner_texts()
        raise AssertionError(f"{section} not saved: {errors}") from None
    assert shows in page.locator(f"#section-{section}").inner_text()


def test_a_blended_family_entered_in_the_browser_shows_its_second_marriage_risks(
    page: Any, live_server: Any, settings: Settings
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    advisor = User.objects.get(username="advisor")
    client = make_client(
        owner=advisor, name="林慧", gender="female", birth_date=dt.date(1974, 3, 8)
    )
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "advisor")
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")
    page.goto(f"{base}/clients/{client.pk}/kyc/")

    # People ↔ people: her second marriage, her ex-husband and the three children.
    # Opening the map put her in it; she edits herself: married again.
    me = Person.objects.get(client=client, relationship="self")
    page.locator(f"#item-people-{me.pk} >> text=编辑").click()
    form = page.locator(f"#item-people-{me.pk} form")
    form.locator("select[name=marital_status]").select_option("remarried")
    form.locator("button[name=done]").click()
    form.wait_for(state="detached")
    assert "再婚" in page.locator(f"#item-people-{me.pk}").inner_text()
    _add(page, "people", {"relationship": "spouse", "name": "陈志远", "gender": "male", "birth_date": "1971-05-01", "marital_status": "remarried"}, "陈志远")  # fmt: skip
    _add(page, "people", {"relationship": "ex_spouse", "name": "张建国", "gender": "male", "birth_date": "1972-01-01", "marital_status": "divorced", "divorced_on": "2012-09-01"}, "2012-09-01离婚")  # fmt: skip
    _add(page, "people", {"relationship": "child", "name": "张欣然", "gender": "female", "birth_date": "2002-06-01", "parent_in_map": "张建国"}, "张欣然")  # fmt: skip
    _add(page, "people", {"relationship": "stepchild", "name": "陈浩", "gender": "male", "birth_date": "2000-02-01", "must_provide_for": "on"}, "继子女")  # fmt: skip
    _add(page, "people", {"relationship": "child", "name": "陈小雨", "gender": "female", "birth_date": "2018-09-01", "must_provide_for": "on"}, "陈小雨")  # fmt: skip

    # Money: a joint deposit; her old policy still names her ex-husband.
    _add(page, "assets", {"category": "deposit", "description": "招行存款", "value": "300万", "marital": "marital_common"}, "招行存款")  # fmt: skip
    _add(page, "policies", {
        "insurer": "新华人寿", "product_name": "红双喜", "product_type": "whole_life", "policyholder": "林慧",
        "insured": "林慧", "sum_assured": "100万", "annual_premium": "3万", "years_paid": "10", "years_total": "10",
        "start_date": "2008-05-01", "beneficiaries-0-person": "张建国",
    }, "红双喜")  # fmt: skip

    # People ↔ money: 500万 once, when the daughter marries, from the joint deposit.
    deposit = Asset.objects.get(client=client, description="招行存款")
    _add(page, "allocations", {
        "person": "张欣然", "purpose": "marriage", "annual_amount": "", "lump_sum": "500万",
        "start_year": "2027", "end_year": "", "condition": "结婚时", "source_asset": str(deposit.pk),
    }, "一次性 500万")  # fmt: skip
    # The money flow redraws with the lump sum as one mark in its year.
    page.wait_for_function(
        "() => document.querySelector('#kyc-pictures').textContent.includes('一次性 500万 · 结婚时')"
    )

    people = {p.name: p for p in Person.objects.filter(client=client)}
    assert people["张建国"].divorced_on == dt.date(2012, 9, 1)
    assert people["陈浩"].relationship == "stepchild"
    gift = Allocation.objects.get(client=client, person=people["张欣然"])
    assert (gift.lump_sum, gift.annual_amount, gift.end_year) == (Decimal(5_000_000), None, None)
    assert gift.source_asset == deposit

    # Know: the wizard finds the three second-marriage risks and cites their facts.
    page.goto(f"{base}/clients/{client.pk}/")
    page.click("text=开始 KMS 案例")
    page.wait_for_url("**/know/")
    findings = page.locator("#findings").inner_text()
    assert "前配偶仍为保单受益人" in findings
    assert (
        "林慧的新华人寿 红双喜（100万元）仍以前配偶张建国为第1顺位受益人（保险法第41条）"
        in findings
    )
    assert "张建国与林慧已于2012-09-01离婚" in findings
    assert "给前段婚姻子女的钱属于夫妻共同财产" in findings
    assert "给张欣然的钱出自招行存款，属于夫妻共同财产（300万元）" in findings
    assert "前段婚姻子女未作任何安排" in findings
    assert "陈浩是陈志远前段婚姻的子女，是林慧的继子女" in findings
    assert "没有任何资金安排、信托或有效保单写明陈浩" in findings
