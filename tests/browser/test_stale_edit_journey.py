"""Issue 12 (A.1): two browser windows edit the same row; the later save from the
stale one is refused, shows what changed, and a reload brings the saved values."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from kms import services as kms_services
from kyc.models import Person
from tests.factories import PASSWORD, make_case, make_client, make_item, make_person, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_windows(browser: Any) -> Iterator[tuple[Any, Any]]:
    """Two browser contexts: two devices, each with its own session."""
    contexts = [
        browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    pages = []
    for context in contexts:
        page = context.new_page()
        page.set_default_timeout(10_000)
        pages.append(page)
    yield pages[0], pages[1]
    for context in contexts:
        context.close()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")


def test_it_refuses_the_premium_typed_in_a_stale_window_and_keeps_the_sum_assured(
    two_windows: tuple[Any, Any], live_server: Any
) -> None:
    advisor = make_user(username="two_windows_advisor")
    client = make_client(owner=advisor, name="冯志刚")
    me = make_person(client=client, relationship="self", name="冯志刚")
    case = make_case(client=client, step="suggest")
    kms_services.motives_set(case=case, motives=["income_security"])
    finding = kms_services.finding_add(
        case=case, category="loss", severity=3, title="收入中断", fact="唯一收入来源"
    )
    kms_services.solution_save(finding=finding, kind="savings", weaknesses=["illiquid"], notes="")
    item = make_item(case=case, policyholder=me, insured=me)
    base = live_server.url
    window_a, window_b = two_windows
    for window in two_windows:
        _login(window, base, advisor.username)
        window.goto(f"{base}/kms/cases/{case.pk}/suggest/")
        window.click(f"#item-{item.pk} >> text=编辑")
        window.locator(f"#item-{item.pk} form input[name=sum_assured]").wait_for()

    form_a = window_a.locator(f"#item-{item.pk} form")
    form_a.locator("input[name=sum_assured]").fill("300万")
    form_a.locator("input[name=sum_assured]").dispatch_event("change")
    window_a.locator(f"#item-{item.pk} .save-state .ok").wait_for()

    form_b = window_b.locator(f"#item-{item.pk} form")
    form_b.locator("input[name=annual_premium]").fill("2万")
    form_b.locator("input[name=annual_premium]").dispatch_event("change")
    refusal = window_b.locator(f"#item-{item.pk} .stale-changes")
    refusal.wait_for()

    assert "保额" in refusal.inner_text() and "300万元" in refusal.inner_text()
    # What B typed stays on screen, to be typed again after the reload.
    assert form_b.locator("input[name=annual_premium]").input_value() == "2万"
    item.refresh_from_db()
    assert (item.sum_assured, item.annual_premium) == (Decimal(3_000_000), Decimal(10_000))

    window_b.click("text=重新载入已保存的内容")
    window_b.wait_for_load_state()
    window_b.click(f"#item-{item.pk} >> text=编辑")
    reloaded = window_b.locator(f"#item-{item.pk} form input[name=sum_assured]")
    reloaded.wait_for()
    assert reloaded.input_value() == "3000000"
    form_b = window_b.locator(f"#item-{item.pk} form")
    form_b.locator("input[name=annual_premium]").fill("2万")
    form_b.locator("input[name=annual_premium]").dispatch_event("change")
    window_b.locator(f"#item-{item.pk} .save-state .ok").wait_for()
    item.refresh_from_db()
    assert (item.sum_assured, item.annual_premium) == (Decimal(3_000_000), Decimal(20_000))


def test_it_refuses_a_kyc_person_changed_in_another_window(
    two_windows: tuple[Any, Any], live_server: Any
) -> None:
    advisor = make_user(username="two_windows_kyc")
    client = make_client(owner=advisor, name="韩梅")
    wife = make_person(client=client, name="韩雪", occupation="医生")
    base = live_server.url
    window_a, window_b = two_windows
    item = f"#item-people-{wife.pk}"
    for window in two_windows:
        _login(window, base, advisor.username)
        window.goto(f"{base}/clients/{client.pk}/kyc/")
        window.click(f"{item} >> text=编辑")
        window.locator(f"{item} form input[name=occupation]").wait_for()

    occupation = window_a.locator(f"{item} form input[name=occupation]")
    occupation.fill("主任医师")
    occupation.dispatch_event("change")
    window_a.locator(f"{item} .save-state .ok").wait_for()

    notes = window_b.locator(f"{item} form textarea[name=notes]")
    notes.fill("周末可约")
    notes.dispatch_event("change")
    window_b.locator(f"{item} .stale-changes").wait_for()

    assert "主任医师" in window_b.locator(f"{item} .stale-changes").inner_text()
    wife.refresh_from_db()
    assert (wife.occupation, wife.notes) == ("主任医师", "")
    assert Person.objects.filter(client=client, name="韩雪").count() == 1


def test_it_shows_a_refusal_that_came_back_as_409_in_the_form(page: Any, live_server: Any) -> None:
    """A save that lost the race past validation answers 409 (advisor_crm.middleware);
    htmx swaps no error response, so pages.js puts the reason in the form."""
    advisor = make_user(username="race_advisor")
    client = make_client(owner=advisor, name="秦岚")
    wife = make_person(client=client, name="秦雪", occupation="律师")
    base = live_server.url
    item = f"#item-people-{wife.pk}"
    _login(page, base, advisor.username)
    page.goto(f"{base}/clients/{client.pk}/kyc/")
    page.click(f"{item} >> text=编辑")
    occupation = page.locator(f"{item} form input[name=occupation]")
    occupation.wait_for()
    reason = "你打开此表单后，已有人保存了这条记录，因此你的修改没有保存。"
    page.route(
        f"**/clients/{client.pk}/kyc/people/{wife.pk}/",
        lambda route: (
            route.fulfill(status=409, body=reason, content_type="text/plain; charset=utf-8")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )

    occupation.fill("合伙人")
    occupation.dispatch_event("change")
    refusal = page.locator(f"{item} form .form-errors.refused")
    refusal.wait_for()

    assert reason in refusal.inner_text()
    assert refusal.locator("button", has_text="重新载入已保存的内容").count() == 1
    assert page.locator(f"{item} form .save-state .ok").count() == 0


def test_it_keeps_what_was_typed_while_a_save_was_on_its_way(page: Any, live_server: Any) -> None:
    """The trial's 映射 case: a save returns while the advisor types in another field;
    the answer must not replace the form and wipe the typing."""
    advisor = make_user(username="typing_advisor")
    client = make_client(owner=advisor, name="罗斌")
    wife = make_person(client=client, name="罗雪", occupation="会计")
    base = live_server.url
    item = f"#item-people-{wife.pk}"
    _login(page, base, advisor.username)
    page.goto(f"{base}/clients/{client.pk}/kyc/")
    page.click(f"{item} >> text=编辑")
    form = page.locator(f"{item} form")
    form.locator("input[name=occupation]").wait_for()
    slowed: list[str] = []

    def slow_first_save(route: Any) -> None:
        if route.request.method == "POST" and not slowed:
            slowed.append(route.request.url)
            time.sleep(1.5)  # the browser goes on meanwhile: the typing below happens
        route.continue_()

    page.route(f"**/clients/{client.pk}/kyc/people/{wife.pk}/", slow_first_save)
    version_before = form.locator("input[name=row_version]").input_value()
    form.locator("input[name=occupation]").fill("财务总监")
    form.locator("input[name=occupation]").dispatch_event("change")
    # 0.9 s later (after the 600 ms autosave delay, while the save is held), type notes.
    page.evaluate(
        """item => setTimeout(() => {
            const notes = document.querySelector(item + ' form textarea[name=notes]');
            notes.value = '周末可约';
            notes.dispatchEvent(new Event('input', {bubbles: true}));
        }, 900)""",
        item,
    )
    page.wait_for_function(
        "([item, v]) => document.querySelector(item + ' form input[name=row_version]').value !== v",
        arg=[item, version_before],
        timeout=8_000,
    )

    assert form.locator("textarea[name=notes]").input_value() == "周末可约"
    form.locator("textarea[name=notes]").dispatch_event("change")
    page.wait_for_function(
        "item => document.querySelector(item + ' form .save-state .ok') !== null", arg=item
    )
    page.wait_for_timeout(1500)
    wife.refresh_from_db()
    assert (wife.occupation, wife.notes) == ("财务总监", "周末可约")
