"""Issue 6's journey: the advisor generates Mr Zhao's plan, watches it become ready
without reloading, downloads and reads it; a second version keeps the first; another
advisor cannot fetch it."""

from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django import Settings

from kms.models import KmsCase, PlanDocument, PlanStatus
from tests.conftest import CeleryWorker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/")


def test_the_advisor_generates_watches_and_downloads_mr_zhaos_plan(
    page: Any, live_server: Any, settings: Settings, tmp_path: Path, plan_root: Path
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    worker = CeleryWorker(env={"PRIVATE_STORAGE_ROOT": str(tmp_path)}).start()
    try:
        base = live_server.url
        _log_in(page, base, "advisor")
        page.click("text=赵立新")
        page.wait_for_url("**/clients/*/")
        page.click("#kms-cases a:has-text('KMS v1')")
        page.click("nav.wizard a:has-text('复核')")
        page.wait_for_url("**/review/")

        url_before = page.url
        page.click("#plans button:has-text('生成方案书')")
        row = page.locator("#plans tr.plan-row").first
        # Queued or rendering first, then ready, by htmx polling: the page is not reloaded.
        row.locator(".badge", has_text="已完成").wait_for(timeout=90_000)
        assert page.url == url_before
        assert "第1版" in row.inner_text()

        with page.expect_download() as info:
            row.locator("button:has-text('下载')").click()
        download = info.value
        assert download.suggested_filename == "方案建议书-赵立新-第1版.pdf"
        saved = tmp_path / "downloaded.pdf"
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        text = subprocess.run(
            ["pdftotext", "-layout", str(saved), "-"], check=True, capture_output=True, text=True
        ).stdout
        for fact in ("方案建议书", "赵立新", "5,000,000", "17.5万", "李静", "赵可欣"):
            assert fact in text, fact

        # A second generation is a new version; the first stays downloadable.
        page.click("#plans button:has-text('生成方案书')")
        page.locator("#plans tr.plan-row", has_text="第2版").locator(
            ".badge", has_text="已完成"
        ).wait_for(timeout=90_000)
        assert page.locator("#plans tr.plan-row button:has-text('下载')").count() == 2

        case = KmsCase.objects.get(client__name="赵立新")
        documents = list(PlanDocument.objects.filter(case=case).order_by("number"))
        assert [(d.number, d.status) for d in documents] == [
            (1, PlanStatus.READY),
            (2, PlanStatus.READY),
        ]
        assert sorted(p.name for p in plan_root.rglob("*.pdf")) == [
            f"plan-{documents[0].pk}.pdf",
            f"plan-{documents[1].pk}.pdf",
        ]

        # The client page lists the same plans.
        page.goto(f"{base}/clients/{case.client_id}/")
        assert page.locator("#plans tr.plan-row").count() == 2

        # Another advisor, and nobody logged in, get a 404 for the file.
        download_url = f"{base}/kms/plans/{documents[0].pk}/download/"
        _log_in(page, base, "advisor2")
        token = page.context.cookies()
        csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
        headers = {"X-CSRFToken": csrf, "Referer": base + "/"}
        assert page.request.post(download_url, headers=headers).status == 404
        page.context.clear_cookies()
        assert page.request.post(download_url).status in (403, 404)
    finally:
        worker.stop()
