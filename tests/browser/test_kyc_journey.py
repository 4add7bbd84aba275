"""Issue 3's journey: Mr Zhao's KYC in a real browser, edited without page loads."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import Settings

from kyc.models import Allocation, Asset, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_maps_mr_zhao_and_edits_without_reloading(
    page: Any, live_server: Any, settings: Settings
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "advisor")
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")
    page.fill("input[name=q]", "赵立新")
    page.click("#client-results >> text=赵立新")
    page.click("text=KYC")
    pictures = page.locator("#kyc-pictures")
    pictures.wait_for()
    text = pictures.inner_text()
    for name in ("赵立新", "李静", "赵可欣", "赵国强", "王秀英"):
        assert name in text
    assert "货币基金" in text and "连带责任担保" in text  # asset structure
    assert "每年 10万" in text  # the daughter's education in the money flow
    page.evaluate("window.__noReload = true")

    # Add a person: the family tree redraws with her.
    page.click("#section-people >> text=添加")
    form = page.locator("#new-people form")
    form.locator("select[name=relationship]").select_option("sibling")
    form.locator("input[name=name]").fill("赵丽")
    form.locator("select[name=gender]").select_option("female")
    form.locator("input[name=age]").fill("38")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('#kyc-pictures svg').textContent.includes('赵丽')"
    )

    # Add an asset typed in 万: the asset structure redraws.
    page.click("#section-assets >> text=添加")
    form = page.locator("#new-assets form")
    form.locator("select[name=category]").select_option("gold_other")
    form.locator("input[name=description]").fill("金条")
    form.locator("input[name=value]").fill("50万")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('#kyc-pictures').textContent.includes('黄金及其他')"
    )

    # Add an allocation: the money flow redraws.
    page.click("#section-allocations >> text=添加")
    form = page.locator("#new-allocations form")
    form.locator("select[name=person]").select_option(label="赵丽")
    form.locator("select[name=purpose]").select_option("support")
    form.locator("input[name=annual_amount]").fill("2万")
    form.locator("input[name=end_year]").fill("2035")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('#kyc-pictures').textContent.includes('每年 2万')"
    )
    assert page.evaluate("window.__noReload") is True

    # A bad share sum: the error shows next to the shares and the form keeps its input.
    page.click("#section-policies >> text=添加")
    form = page.locator("#new-policies form")
    form.locator("input[name=insurer]").fill("测试人寿")
    form.locator("select[name=product_type]").select_option("whole_life")
    form.locator("input[name=sum_assured]").fill("500万")
    form.locator("input[name=annual_premium]").fill("17.5万")
    form.locator("select[name='beneficiaries-0-person']").select_option(label="李静")
    form.locator("input[name='beneficiaries-0-share_percent']").fill("60")
    form.locator("select[name='beneficiaries-1-person']").select_option(label="赵可欣")
    form.locator("input[name='beneficiaries-1-share_percent']").fill("30")
    form.locator("button[type=submit]").click()
    error = page.locator("#new-policies .error", has_text="合计为 90%")
    error.first.wait_for()
    form = page.locator("#new-policies form")
    assert form.locator("input[name=insurer]").input_value() == "测试人寿"
    assert form.locator("input[name=sum_assured]").input_value() == "500万"
    assert page.evaluate("window.__noReload") is True

    zhao = Person.objects.get(name="赵立新").client
    assert Person.objects.filter(client=zhao, name="赵丽", relationship="sibling").exists()
    assert Asset.objects.get(client=zhao, description="金条").value == 500_000
    assert Allocation.objects.filter(
        client=zhao, person__name="赵丽", annual_amount=20_000
    ).exists()
    assert not zhao.existing_policies.filter(insurer="测试人寿").exists()
