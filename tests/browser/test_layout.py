"""Issue 12, D.14: the main pages on a laptop (1366×768), a tablet (820×1180), a phone (390×844)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import Settings

from clients.models import Client
from kms.models import KmsCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": (1366, 768), "tablet": (820, 1180), "phone": (390, 844)}
STEPS = ("know", "map", "suggest", "review")

# Every visible button, and every checkbox's touch target: its label (wrapping it or
# pointing at it with for=), or the checkbox itself when it has none.
TARGETS = """() => [...document.querySelectorAll('button, .button, input[type=checkbox]')]
  .filter(e => e.offsetParent !== null)
  .map(e => {
    const target = e.type === 'checkbox'
      ? (e.closest('label') || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e)
      : e;
    const r = target.getBoundingClientRect();
    return {what: e.outerHTML.slice(0, 80), width: r.width, height: r.height};
  })"""

# Each table box whose table is wider than it: scrolled to the end, it must keep the
# first column at its left edge.
WIDE_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(w => w.offsetParent !== null && w.scrollWidth > w.clientWidth + 1)
  .map(w => {
    w.scrollLeft = w.scrollWidth;
    const first = w.querySelector('tbody tr td:first-child, thead th:first-child');
    const result = {
      overflow: getComputedStyle(w).overflowX,
      scrolled: w.scrollLeft > 0,
      firstLeft: first.getBoundingClientRect().left - w.getBoundingClientRect().left,
    };
    w.scrollLeft = 0;
    return result;
  })"""


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "advisor")
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/**")


def _editable_case(page: Any, base: str, zhao: Client) -> KmsCase:
    """The demo's cases are closed: open a new version, whose wizard can be edited."""
    case = KmsCase.objects.filter(client=zhao).latest("pk")
    if not case.is_read_only:  # opened for an earlier viewport
        return case
    page.goto(f"{base}/kms/cases/{case.pk}/know/")
    page.click("text=开始新版本")
    page.wait_for_url("**/know/")
    new = KmsCase.objects.filter(client=zhao).latest("pk")
    assert not new.is_read_only
    return new


def _check_page(page: Any, name: str, width: int) -> None:
    page.wait_for_load_state("networkidle")
    scroll_width, inner_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (name, width, scroll_width)
    small = [t for t in page.evaluate(TARGETS) if t["width"] < 44 or t["height"] < 44]
    assert not small, (name, width, small)
    for table in page.evaluate(WIDE_TABLES):
        assert table["overflow"] == "auto", (name, width)
        assert table["scrolled"], (name, width)
        assert abs(table["firstLeft"]) <= 2, (name, width, table)


def test_the_main_pages_fit_a_laptop_a_tablet_and_a_phone(
    browser: Any, live_server: Any, settings: Settings
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    zhao = Client.objects.get(name="赵立新")
    base = live_server.url
    closed_case = KmsCase.objects.filter(client=zhao).latest("pk")

    for label, (width, height) in VIEWPORTS.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        _log_in(page, base)
        pages = {
            "client list": "/clients/",
            "client": f"/clients/{zhao.pk}/",
            "kyc": f"/clients/{zhao.pk}/kyc/",
            "p100": "/p100/",
            **{f"closed {s}": f"/kms/cases/{closed_case.pk}/{s}/" for s in STEPS},
        }
        for name, path in pages.items():
            page.goto(base + path)
            _check_page(page, name, width)
            page.screenshot(
                path=f"/tmp/layout-{label}-{name.replace(' ', '-')}.png", full_page=True
            )
        case = _editable_case(page, base, zhao)
        for step in STEPS:
            page.goto(f"{base}/kms/cases/{case.pk}/{step}/")
            _check_page(page, step, width)
            page.screenshot(path=f"/tmp/layout-{label}-{step}.png", full_page=True)

        if label == "laptop":
            # The Review table shows all its columns without scrolling, 缺陷 included.
            page.goto(f"{base}/kms/cases/{closed_case.pk}/review/")
            wrap = page.locator("#review .table-wrap").first
            box = wrap.bounding_box()
            headers = wrap.locator("th")
            assert headers.count() == 4
            assert "缺陷" in headers.all_inner_texts()
            for index in range(headers.count()):
                header = headers.nth(index).bounding_box()
                assert header["x"] >= box["x"] - 1
                assert header["x"] + header["width"] <= box["x"] + box["width"] + 1
            assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
            # The four risk categories side by side.
            page.goto(f"{base}/kms/cases/{closed_case.pk}/know/")
            columns = page.locator(".risk-grid .risk-column")
            tops = {round(columns.nth(i).bounding_box()["y"]) for i in range(columns.count())}
            assert columns.count() == 4 and len(tops) == 1

        if label == "phone":
            # The coverage matrix: the risks stay in view while the items scroll.
            page.goto(f"{base}/kms/cases/{case.pk}/suggest/")
            matrix = page.locator("#coverage .table-wrap")
            first = matrix.locator("tbody td").first
            before = first.bounding_box()["x"]
            matrix.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
            assert abs(first.bounding_box()["x"] - before) <= 1
            reason = matrix.locator("input[name=reason]").first
            reason.scroll_into_view_if_needed()
            assert reason.is_visible()
            assert reason.bounding_box()["width"] >= 150

        # Clicking a checkbox's label ticks it and clicking again unticks it.
        page.goto(f"{base}/kms/cases/{case.pk}/map/")
        option = page.locator(".map-row .checkboxes label:has(input[type=checkbox])").first
        checkbox = option.locator("input[type=checkbox]")
        was = checkbox.is_checked()
        option.click(position={"x": option.bounding_box()["width"] - 4, "y": 10})
        assert checkbox.is_checked() is not was
        page.goto(f"{base}/clients/{zhao.pk}/kyc/")
        box_before = page.locator("#id_no_policies").is_checked()
        page.locator("label[for=id_no_policies]").click()
        assert page.locator("#id_no_policies").is_checked() is not box_before
        context.close()
