"""Issue 5's journey: an admin changes a rule and publishes, an advisor sees why,
a lead reviews and later sees the churn of another publish."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import Settings

from scoring.models import JobStatus, RescoreJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")


def _publish_draft_with(page: Any, base: str, label: str, condition: str) -> None:
    """As admin: new draft from the published version, change one rule, preview, publish."""
    page.goto(f"{base}/scoring/rules/")
    page.locator("tr", has=page.locator("text=已发布")).locator(
        "button:has-text('以此新建草稿')"
    ).click()
    page.wait_for_url("**/scoring/versions/*/")
    rule_id = page.locator(".kyc-item", has_text=label).get_attribute("id")
    rule = page.locator(f"#{rule_id}")
    rule.locator("button:has-text('编辑')").click()
    textarea = rule.locator("textarea[name=condition]")
    textarea.wait_for()
    # Let htmx finish wiring the swapped-in form before typing into it.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )
    textarea.fill("")
    textarea.press_sequentially("annual_income >= ")
    page.locator(".condition-check .error").wait_for()  # validated as typed
    textarea.fill(condition)
    page.locator(".condition-check .ok").wait_for()
    rule.locator("button:has-text('保存')").click()
    page.locator(".kyc-item", has_text=label).locator(
        "code", has_text=condition.split(" ")[0]
    ).wait_for()
    page.click("text=预览")
    page.locator("h2", has_text="等级迁移").wait_for()
    page.go_back()
    page.click("button:has-text('发布')")
    page.wait_for_url("**/scoring/jobs/*/")
    page.locator("#job-progress .badge", has_text="完成").wait_for(timeout=60_000)


@pytest.mark.usefixtures("celery_worker")
def test_it_publishes_a_rule_change_and_shows_the_churn_to_the_lead(
    page: Any, live_server: Any, settings: Settings
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    deadline = time.monotonic() + 60
    while (
        RescoreJob.objects.exclude(status=JobStatus.DONE).exists() and time.monotonic() < deadline
    ):
        time.sleep(0.2)  # the worker scores everyone for the default rule set first
    base = live_server.url

    # The lead signs off the advisor's current P100.
    _log_in(page, base, "lead")
    page.goto(f"{base}/p100/")
    page.locator("tr", has_text="林顾问").locator("a.button").click()
    page.fill("textarea[name=comment]", "名单合理")
    page.click("button:has-text('签核')")
    page.locator("text=名单合理").wait_for()

    # The admin makes high income count from 300,000 and publishes.
    _log_in(page, base, "admin")
    _publish_draft_with(page, base, "年收入 100 万以上", "annual_income >= 300000")

    # The advisor sees the list and why a client scored what they scored.
    _log_in(page, base, "advisor")
    page.goto(f"{base}/p100/")
    first = page.locator("table.p100 tbody tr").first
    name = first.locator("td").nth(1).inner_text()
    first.locator("a").click()
    why = page.locator("#score")
    assert "年收入 100 万以上" in why.inner_text() or "高潜力行业" in why.inner_text()
    assert "规则集 v2" in why.inner_text()
    assert name in page.locator("h1").inner_text()

    # The lead's review page now shows who entered and left since the sign-off.
    _log_in(page, base, "lead")
    page.goto(f"{base}/p100/")
    page.locator("tr", has_text="林顾问").locator("a.button").click()
    summary = page.locator("section.card").first.inner_text()
    assert "此后新进入" in summary
    assert "新进入 0 人，移出 0 人" not in summary
