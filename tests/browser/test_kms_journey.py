"""Issue 4's journey: a KMS case for Mr Zhao, from detected risks to a validated proposal."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import Settings

from clients.models import Client
from kyc.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_item(page: Any, values: dict[str, str], beneficiaries: list[tuple[str, str]]) -> Any:
    page.click("text=添加方案项")
    form = page.locator("#new-item form")
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value) if not value.isascii() else field.select_option(value)
        else:
            field.fill(value)
    for index, (person, share) in enumerate(beneficiaries):
        form.locator(f"select[name='ben-{index}-person']").select_option(label=person)
        form.locator(f"input[name='ben-{index}-share_percent']").fill(share)
    return form


def test_it_takes_mr_zhao_from_risks_to_a_validated_proposal(
    page: Any, live_server: Any, settings: Settings
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    zhao = Client.objects.get(name="赵立新")
    Person.objects.create(client=zhao, relationship="friend", name="钱朋友", gender="male", age=45)

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "advisor")
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("button[type=submit]")
    page.goto(f"{base}/clients/{zhao.pk}/")
    page.click("text=开始 KMS 案例")
    page.wait_for_url("**/know/")

    # Know: the risks are detected with the facts cited in Chinese.
    findings = page.locator("#findings")
    assert "为他人债务承担连带责任" in findings.inner_text()
    assert (
        "赵立新为杭州立新软件科技有限公司在招商银行杭州分行的500万元贷款承担连带责任担保"
        in findings.inner_text()
    )
    assert "家庭经济支柱保障不足" in findings.inner_text()
    finding_ids = page.locator("#findings article.finding").evaluate_all(
        "els => els.map(e => e.id)"
    )
    for finding_id in finding_ids:
        page.locator(f"#{finding_id} button.primary").click()
        page.locator(f"#{finding_id}.status-confirmed").wait_for()
    page.locator("#motives input[name=income_security]").fill("1")
    page.locator("#motives input[name=asset_protection]").fill("2")
    page.locator("#motives input[name=income_security]").press("Tab")
    page.locator("#progress .ok").wait_for()
    page.click("text=下一步")

    # Map: his own solution, savings and property, and its weaknesses.
    page.wait_for_url("**/map/")
    for row in page.locator(".map-row").all():
        row.locator("select").first.select_option("savings")
        row.locator("input[value=illiquid]").check()
        row.locator("input[value=creditors]").check()
        row.locator("input[value=no_locked_income]").check()
        row.locator(".save-state .ok").wait_for()
    page.click("text=下一步")

    # Suggest: the seed's proposal validates (no block), with the affordability warning.
    page.wait_for_url("**/suggest/")
    form = _fill_item(
        page,
        {"product_type": "whole_life", "policyholder": "赵立新", "insured": "赵立新", "sum_assured": "500万",
         "annual_premium": "17.5万", "payment_years": "20", "trust_mode": "beneficiary", "trustee_name": "示例信托"},
        [("李静", "40"), ("赵可欣", "40")],
    )  # fmt: skip
    form.locator("button:has-text('校验')").click()
    page.locator("#new-item .rule-block").wait_for()
    assert (
        "第1顺位的份额合计为80%" in page.locator("#new-item").inner_text()
    )  # shares must reach 100%
    form = page.locator("#new-item form")
    form.locator("input[name='ben-0-share_percent']").fill("50")
    form.locator("input[name='ben-1-share_percent']").fill("50")
    form.locator("button:has-text('校验')").click()
    page.wait_for_function("() => !document.querySelector('#new-item .rule-block')")
    page.locator("#new-item form button[type=submit]").click()
    page.locator(".proposal-item").first.wait_for()
    assert "500万元" in page.locator(".proposal-item").first.inner_text()
    assert page.locator(".proposal-item .rule-block").count() == 0
    assert page.locator(".proposal-item .rule-warning").count() == 1  # the premium is 11% of income

    # An unrelated friend as policyholder, without the insured's consent: blocked, art. 31.
    form = _fill_item(
        page,
        {"product_type": "term_life", "policyholder": "钱朋友", "insured": "赵立新", "sum_assured": "100万",
         "annual_premium": "5000", "payment_years": "10"},
        [("李静", "100")],
    )  # fmt: skip
    form.locator("button:has-text('校验')").click()
    blocked = page.locator("#new-item .rule-block", has_text="第三十一条")
    blocked.wait_for()
    assert "钱朋友对赵立新不具有保险利益" in blocked.inner_text()
    page.locator("#new-item button:has-text('取消')").click()

    # His daughter (2) insured for 500,000 of death cover: blocked by the minors' cap.
    form = _fill_item(
        page,
        {"product_type": "whole_life", "policyholder": "赵立新", "insured": "赵可欣", "sum_assured": "50万",
         "annual_premium": "1万", "payment_years": "10"},
        [("李静", "100")],
    )  # fmt: skip
    form.locator("button:has-text('校验')").click()
    capped = page.locator("#new-item .rule-block", has_text="第三十三条")
    capped.wait_for()
    assert "20万元" in capped.inner_text()
