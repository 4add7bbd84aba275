"""Plan PDFs: requesting, rendering, storing, retrying, reading and erasing them.

WeasyPrint renders for real in a few tests (about 2 s each): the ready document, and
one shared rendering of Mr Zhao's plan whose text and fonts the content tests read.
Tests about the pipeline around the renderer (storage, status, retries, erasure) swap
render_pdf for a stand-in that returns small PDF-like bytes at once.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hashlib
import re
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone, translation

from clients.models import Client
from kms import plan_selectors, plan_services, selectors, services, tasks
from kms.models import (
    PLAN_STALE_AFTER,
    CaseStatus,
    Finding,
    FindingStatus,
    KmsCase,
    PlanDocument,
    PlanStatus,
    plan_file_name,
)
from kms.storage import AtomicFileSystemStorage
from kyc.erasure import client_erase
from tests.conftest import Cast
from tests.factories import make_asset, make_case

# Fixtures ----------------------------------------------------------------------------


@pytest.fixture
def plan_root(plan_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The conftest's private plan store, also behind PlanDocument.file.

    The conftest fixture swaps settings.STORAGES, which resets `storages`, but the
    FileField called its storage callable once at import and keeps that instance; the
    field (and every FieldFile made from it) must be pointed at the new store too, or
    the renders of the tests would land in var/private/plans.
    """
    monkeypatch.setattr(PlanDocument._meta.get_field("file"), "storage", storages["plans"])
    return plan_root


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The document ids handed to the render job, recorded instead of sent to Redis."""
    calls: list[int] = []
    monkeypatch.setattr(tasks.render_plan, "delay", calls.append)
    return calls


def _stand_in_pdf(document: PlanDocument) -> bytes:
    return f"%PDF-1.7\n% stand-in for plan {document.pk}\n%%EOF\n".encode()


@pytest.fixture
def quick_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip WeasyPrint where only what happens around it matters."""
    monkeypatch.setattr(plan_services, "render_pdf", lambda document: (_stand_in_pdf(document), 1))


def _request(case: KmsCase, cast: Cast) -> PlanDocument:
    return plan_services.plan_request(case=case, user=cast.advisor)


def _ready(case: KmsCase, cast: Cast) -> PlanDocument:
    document = plan_services.plan_render(document_id=_request(case, cast).pk)
    assert document is not None and document.status == PlanStatus.READY
    return document


def _reload(document: PlanDocument) -> PlanDocument:
    return PlanDocument.objects.get(pk=document.pk)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _age(document: PlanDocument, by: dt.timedelta) -> None:
    PlanDocument.objects.filter(pk=document.pk).update(requested_at=timezone.now() - by)


# Requesting --------------------------------------------------------------------------


def test_it_numbers_the_plans_of_a_client_1_2_3(cast: Cast, zhao_case: KmsCase) -> None:
    documents = [_request(zhao_case, cast) for _ in range(3)]

    assert [d.number for d in documents] == [1, 2, 3]
    for document in documents:
        document.refresh_from_db()
        assert document.status == PlanStatus.QUEUED
        assert (document.case, document.client, document.requested_by) == (
            zhao_case,
            zhao_case.client,
            cast.advisor,
        )
        assert (document.attempts, document.file.name, document.sha256) == (0, "", "")


def test_it_numbers_on_across_the_versions_of_a_case(cast: Cast, zhao_case: KmsCase) -> None:
    first, second = _request(zhao_case, cast), _request(zhao_case, cast)
    newer = services.case_new_version(case=zhao_case, user=cast.advisor)

    third = _request(newer, cast)

    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert third.case == newer and third.client == zhao_case.client
    assert list(plan_selectors.plans_of_case(case=newer)) == [third]
    assert list(plan_selectors.plans_of_client(client=zhao_case.client)) == [third, second, first]


def test_it_numbers_each_client_on_its_own(cast: Cast, zhao_case: KmsCase) -> None:
    _request(zhao_case, cast)
    _request(zhao_case, cast)
    other = make_case(client=cast.advisor_client, status=CaseStatus.PRESENTED)

    assert _request(other, cast).number == 1


def test_it_enqueues_the_render_when_the_transaction_commits(
    cast: Cast, zhao_case: KmsCase, enqueued: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = _request(zhao_case, cast)

    # Before the commit the worker could not even see the row: nothing is sent yet.
    assert enqueued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [document.pk]


def test_it_refuses_a_draft_case_with_blockers_and_creates_nothing(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    case = services.case_start(client=cast.advisor_client, user=cast.advisor)
    expected = plan_selectors.plan_blockers(state=selectors.case_state(case=case))
    assert expected, "a fresh case has blockers: no risk decided, no motives, no proposal"

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(plan_services.PlanNotReady) as refusal,
    ):
        _request(case, cast)

    assert [str(r) for r in refusal.value.reasons] == [str(r) for r in expected]
    assert str(refusal.value) == "; ".join(str(r) for r in expected)
    assert not PlanDocument.objects.exists()
    assert callbacks == []


def test_it_allows_a_closed_case(cast: Cast, zhao_case: KmsCase) -> None:
    assert zhao_case.status == CaseStatus.ACCEPTED

    assert _request(zhao_case, cast).status == PlanStatus.QUEUED


@pytest.mark.parametrize("status", [CaseStatus.PRESENTED, CaseStatus.DECLINED])
def test_it_allows_any_closed_case_even_an_incomplete_one(cast: Cast, status: str) -> None:
    # A closed case was complete when it was closed; it can always be printed again.
    case = make_case(client=cast.advisor_client, status=status)

    assert plan_selectors.plan_blockers(state=selectors.case_state(case=case)) == []
    assert _request(case, cast).number == 1


def test_it_allows_a_complete_draft_case(cast: Cast, zhao_case: KmsCase) -> None:
    draft = services.case_new_version(case=zhao_case, user=cast.advisor)
    assert draft.status == CaseStatus.DRAFT

    assert _request(draft, cast).case == draft


# Rendering (real WeasyPrint) ---------------------------------------------------------


def test_it_renders_a_ready_document_and_stores_it_under_its_id(
    cast: Cast, zhao_case: KmsCase, plan_root: Path
) -> None:
    requested = _request(zhao_case, cast)

    document = plan_services.plan_render(document_id=requested.pk)

    assert document is not None
    assert document.status == PlanStatus.READY
    assert document.error == ""
    assert document.attempts == 1
    assert document.file.name == f"{zhao_case.client_id}/plan-{document.pk}.pdf"
    assert document.file.name == plan_file_name(document)
    path = plan_root / document.file.name
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert document.page_count is not None and document.page_count > 5
    assert document.byte_size == len(data) == path.stat().st_size
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.render_ms is not None and document.render_ms > 0
    assert document.started_at is not None and document.finished_at is not None
    assert requested.requested_at <= document.started_at <= document.finished_at
    assert _files(plan_root) == [document.file.name]


def test_it_does_nothing_when_a_ready_document_is_rendered_again(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    document = _ready(zhao_case, cast)
    path = plan_root / document.file.name
    before = path.stat().st_mtime_ns

    again = plan_services.plan_render(document_id=document.pk)

    assert again is not None
    assert (again.status, again.attempts, again.finished_at, again.sha256) == (
        PlanStatus.READY,
        1,
        document.finished_at,
        document.sha256,
    )
    assert path.stat().st_mtime_ns == before
    assert _files(plan_root) == [document.file.name]


def test_it_renders_an_interrupted_document_to_the_same_path_once(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    # A worker killed after writing the file but before recording it: the redelivered
    # job renders again, to the same path, and one file remains.
    document = _ready(zhao_case, cast)
    PlanDocument.objects.filter(pk=document.pk).update(status=PlanStatus.RENDERING)

    again = plan_services.plan_render(document_id=document.pk)

    assert again is not None
    assert (again.status, again.attempts, again.file.name) == (
        PlanStatus.READY,
        2,
        document.file.name,
    )
    assert _files(plan_root) == [document.file.name]
    assert PlanDocument.objects.count() == 1


def test_it_returns_none_for_a_document_that_does_not_exist(db: None) -> None:
    assert plan_services.plan_render(document_id=987_654) is None


# What the PDF says (one real rendering, shared) --------------------------------------


@dataclass(frozen=True)
class RenderedPlan:
    """What the content tests read; it outlives the rows, which each test rolls back."""

    text: str
    fonts: str
    boxes: str  # pdftotext -bbox: each page's size and each word's box, in points
    page_count: int
    advisor: str
    findings: list[str]


_RENDERED: dict[str, RenderedPlan] = {}


@pytest.fixture
def zhao_pdf(request: pytest.FixtureRequest) -> RenderedPlan:
    """Mr Zhao's plan, rendered once for this module with WeasyPrint."""
    if "zhao" not in _RENDERED:
        cast: Cast = request.getfixturevalue("cast")
        case: KmsCase = request.getfixturevalue("zhao_case")
        root: Path = request.getfixturevalue("plan_root")
        document = _ready(case, cast)
        path = str(root / document.file.name)
        with translation.override("zh-hans"):
            findings = [
                f.label for f in Finding.objects.filter(case=case, status=FindingStatus.CONFIRMED)
            ]
        assert findings, "Mr Zhao's case has confirmed risks"
        assert document.page_count is not None
        _RENDERED["zhao"] = RenderedPlan(
            text=subprocess.run(
                ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
            ).stdout,
            fonts=subprocess.run(
                ["pdffonts", path], capture_output=True, text=True, check=True
            ).stdout,
            boxes=subprocess.run(
                ["pdftotext", "-bbox", path, "-"], capture_output=True, text=True, check=True
            ).stdout,
            page_count=document.page_count,
            advisor=str(cast.advisor.display_name),
            findings=findings,
        )
    return _RENDERED["zhao"]


def test_the_pdf_names_the_client_and_his_amounts_in_yuan_and_wan(zhao_pdf: RenderedPlan) -> None:
    text = zhao_pdf.text

    assert "赵立新" in text
    # Sum assured 500万元（5,000,000元）, annual premium 17.5万元（175,000元）.
    assert "5,000,000" in text and "500万" in text
    assert "175,000" in text and "17.5万" in text


def test_every_word_of_the_pdf_stays_within_the_page_margins(zhao_pdf: RenderedPlan) -> None:
    margin = 18 / 25.4 * 72  # the stylesheet's 18 mm left and right, in points
    pages = re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', zhao_pdf.boxes, re.S
    )
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">')

    assert len(pages) == zhao_pdf.page_count
    for number, (width, height, words) in enumerate(pages, 1):
        boxes = [tuple(map(float, box)) for box in word.findall(words)]
        assert boxes, f"page {number} has no text"
        for x_min, y_min, x_max, y_max in boxes:
            assert margin - 0.5 <= x_min and x_max <= float(width) - margin + 0.5, number
            assert y_min >= 0 and y_max <= float(height), number


def test_the_pdf_names_every_beneficiary(zhao_pdf: RenderedPlan) -> None:
    for name in ("李静", "赵可欣", "赵国强", "王秀英"):
        assert name in zhao_pdf.text, name


def test_the_pdf_names_every_confirmed_risk(zhao_pdf: RenderedPlan) -> None:
    for label in zhao_pdf.findings:
        assert label in zhao_pdf.text, label


def test_the_pdf_names_the_advisor_and_the_version(zhao_pdf: RenderedPlan) -> None:
    assert zhao_pdf.advisor in zhao_pdf.text
    assert "第1版" in zhao_pdf.text


def test_the_pdf_counts_its_pages_as_the_document_records(zhao_pdf: RenderedPlan) -> None:
    pages = zhao_pdf.text.rstrip("\f").split("\f")
    totals = {int(n) for n in re.findall(r"共\s*(\d+)\s*页", zhao_pdf.text)}

    assert len(pages) == zhao_pdf.page_count
    assert totals == {zhao_pdf.page_count}


def test_the_pdf_embeds_only_the_noto_sans_cjk_sc_fonts(zhao_pdf: RenderedPlan) -> None:
    header, rule, *rows = zhao_pdf.fonts.splitlines()
    assert rule.startswith("---")
    emb = header.index("emb")
    fonts = [(row.split()[0], row[emb : emb + 3]) for row in rows if row.strip()]

    assert fonts
    for name, embedded in fonts:
        # Subset fonts are named "ABCDEF+Noto-Sans-CJK-SC-Bold".
        family = name.split("+", 1)[-1].replace("-", "").lower()
        assert family.startswith("notosanscjksc"), name
        assert embedded == "yes", name


# The HTML the PDF is made from (no WeasyPrint) ---------------------------------------


def test_it_writes_the_plan_in_chinese_whatever_the_active_language(
    cast: Cast, zhao_case: KmsCase
) -> None:
    document = _request(zhao_case, cast)

    with translation.override("en"):
        html = plan_services.plan_html(document)

    assert '<html lang="zh-Hans">' in html
    assert "方案建议书" in html and "第1版" in html
    assert "Insurance plan proposal" not in html


def _pictures(html: str) -> list[str]:
    """The SVG pictures of a plan, which it carries as images with data: URLs."""
    return [
        base64.b64decode(data).decode()
        for data in re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]


def test_it_draws_the_pictures_of_the_web_pages_as_svg_images(
    cast: Cast, zhao_case: KmsCase
) -> None:
    html = plan_services.plan_html(_request(zhao_case, cast))
    pictures = _pictures(html)

    assert "<svg" not in html
    # Family tree, asset structure, money flow and the one proposal's structure.
    assert len(pictures) == 4
    assert all(p.startswith("<svg") and p.endswith("</svg>") for p in pictures)
    assert re.findall(r'<img class="svg-picture" alt="([^"]+)"', html) == [
        "家系图",
        "资产结构",
        "资金流向",
    ]
    assert '<img class="svg-picture structure" alt="保单架构"' in html
    assert "赵立新" in pictures[0] and "示例信托有限公司" in pictures[3]


def test_it_sets_the_cjk_font_on_every_svg_text(cast: Cast, zhao_case: KmsCase) -> None:
    html = plan_services.plan_html(_request(zhao_case, cast))
    texts = re.findall(r"<text\b[^>]*>", "".join(_pictures(html)))

    # The family tree, asset structure, money flow and policy structure all have text.
    assert len(texts) > 20
    for tag in texts:
        assert re.search(r"font-family=\"[^\"]*Noto Sans CJK SC", tag), tag


def test_it_shows_the_premium_share_at_the_one_precision_of_percentages(
    cast: Cast, zhao_case: KmsCase
) -> None:
    """11.7% of the income reads 12%, as the affordability check on the item's page does."""
    income = selectors.case_state(case=zhao_case).facts.household_income
    item = zhao_case.items.get()
    item.annual_premium = (income * Decimal("0.117")).quantize(Decimal("0.01"))
    item.save(update_fields=["annual_premium"])

    html = plan_services.plan_html(_request(zhao_case, cast))

    assert re.search(r"占家庭年收入[^<]*的12%。", html), re.findall(r"占家庭年收入[^<]*", html)
    assert "11.7%" not in html


def test_it_marks_only_the_plan_of_a_draft_case_as_a_draft(cast: Cast, zhao_case: KmsCase) -> None:
    draft = services.case_new_version(case=zhao_case, user=cast.advisor)

    assert 'class="draft"' not in plan_services.plan_html(_request(zhao_case, cast))
    assert 'class="draft"' in plan_services.plan_html(_request(draft, cast))


def test_it_draws_the_policy_structure_through_the_trust_to_each_beneficiary(
    cast: Cast, zhao_case: KmsCase
) -> None:
    content = plan_selectors.plan_content(document=_request(zhao_case, cast))
    [section] = content["sections"]
    boxes = section.structure.boxes

    assert [b.name for b in boxes if b.kind == "trust"] == ["示例信托有限公司"]
    payees = boxes[-4:]
    assert [b.name for b in payees] == ["李静", "赵可欣", "赵国强", "王秀英"]
    assert [b.note.rsplit(" ", 1)[-1] for b in payees] == ["40%", "40%", "10%", "10%"]
    # Premium to the insured, benefit to the trust, then one arrow per beneficiary.
    assert len(section.structure.arrows) == 2 + 4
    assert "Noto Sans CJK SC" in section.structure.font


# A failing render --------------------------------------------------------------------


def _block_the_client_directory(root: Path, client_id: int) -> Path:
    """A regular file where the client's directory should be: storage fails for real."""
    root.mkdir(parents=True, exist_ok=True)
    blocker = root / str(client_id)
    blocker.write_text("not a directory")
    return blocker


def test_it_marks_the_document_failed_when_storage_fails_on_the_last_attempt(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    blocker = _block_the_client_directory(plan_root, zhao_case.client_id)
    document = _request(zhao_case, cast)

    with pytest.raises(OSError):
        plan_services.plan_render(document_id=document.pk, final_attempt=True)

    document.refresh_from_db()
    assert document.status == PlanStatus.FAILED
    assert document.error.startswith("FileExistsError: ")
    assert str(blocker) in document.error
    assert document.attempts == 1
    assert document.finished_at is not None
    assert (document.file.name, document.sha256, document.page_count) == ("", "", None)
    assert _files(plan_root) == [blocker.name]


def test_it_queues_the_document_again_on_a_storage_error_before_the_last_attempt(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    _block_the_client_directory(plan_root, zhao_case.client_id)
    document = _request(zhao_case, cast)

    with pytest.raises(OSError):
        plan_services.plan_render(document_id=document.pk, final_attempt=False)

    document.refresh_from_db()
    assert document.status == PlanStatus.QUEUED
    assert document.error.startswith("FileExistsError: ")
    assert document.attempts == 1
    assert document.finished_at is None
    assert document.file.name == ""


def test_it_fails_at_once_on_an_error_that_would_repeat(
    cast: Cast, zhao_case: KmsCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_layout(document: PlanDocument) -> tuple[bytes, int]:
        raise ValueError("the layout broke")

    monkeypatch.setattr(plan_services, "render_pdf", broken_layout)
    document = _request(zhao_case, cast)

    with pytest.raises(ValueError):
        plan_services.plan_render(document_id=document.pk, final_attempt=False)

    document.refresh_from_db()
    assert (document.status, document.error) == (PlanStatus.FAILED, "ValueError: the layout broke")


def test_it_renders_a_failed_document_after_a_retry_once_storage_works(
    cast: Cast,
    zhao_case: KmsCase,
    plan_root: Path,
    quick_render: None,
    enqueued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    blocker = _block_the_client_directory(plan_root, zhao_case.client_id)
    document = _request(zhao_case, cast)
    with pytest.raises(OSError):
        plan_services.plan_render(document_id=document.pk)
    blocker.unlink()

    with django_capture_on_commit_callbacks(execute=True):
        retried = plan_services.plan_retry(document=_reload(document))
    rendered = plan_services.plan_render(document_id=document.pk)

    assert (retried.status, retried.error, retried.number) == (PlanStatus.QUEUED, "", 1)
    assert enqueued == [document.pk]
    assert rendered is not None
    assert (rendered.status, rendered.error, rendered.attempts) == (PlanStatus.READY, "", 2)
    assert _files(plan_root) == [rendered.file.name]
    assert PlanDocument.objects.count() == 1


# Retrying ----------------------------------------------------------------------------


def test_it_refuses_to_retry_a_ready_document(
    cast: Cast, zhao_case: KmsCase, quick_render: None, django_capture_on_commit_callbacks: Any
) -> None:
    document = _ready(zhao_case, cast)

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(plan_services.PlanNotRetryable),
    ):
        plan_services.plan_retry(document=document)

    assert callbacks == []
    assert _reload(document).status == PlanStatus.READY
    assert not document.retryable


@pytest.mark.parametrize("status", [PlanStatus.QUEUED, PlanStatus.RENDERING])
def test_it_refuses_to_retry_a_document_whose_job_may_still_run(
    cast: Cast, zhao_case: KmsCase, status: str, django_capture_on_commit_callbacks: Any
) -> None:
    document = _request(zhao_case, cast)
    PlanDocument.objects.filter(pk=document.pk).update(status=status)
    _age(document, PLAN_STALE_AFTER - dt.timedelta(minutes=1))
    document = _reload(document)

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(plan_services.PlanNotRetryable),
    ):
        plan_services.plan_retry(document=document)

    assert callbacks == []
    assert _reload(document).status == status
    assert not document.retryable


@pytest.mark.parametrize("status", [PlanStatus.QUEUED, PlanStatus.RENDERING])
def test_it_retries_a_document_whose_job_was_lost(
    cast: Cast,
    zhao_case: KmsCase,
    status: str,
    enqueued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = _request(zhao_case, cast)
    PlanDocument.objects.filter(pk=document.pk).update(status=status)
    _age(document, PLAN_STALE_AFTER + dt.timedelta(minutes=1))
    document = _reload(document)
    assert document.retryable

    with django_capture_on_commit_callbacks(execute=True):
        retried = plan_services.plan_retry(document=document)

    assert retried.status == PlanStatus.QUEUED
    assert timezone.now() - retried.requested_at < dt.timedelta(minutes=1)
    assert not retried.retryable
    assert enqueued == [document.pk]


def test_it_retries_a_failed_document_under_its_own_number(
    cast: Cast, zhao_case: KmsCase, enqueued: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    document = _request(zhao_case, cast)
    PlanDocument.objects.filter(pk=document.pk).update(
        status=PlanStatus.FAILED, error="OSError: disk full"
    )
    document = _reload(document)
    assert document.retryable

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retried = plan_services.plan_retry(document=document)

    assert (retried.pk, retried.number, retried.status, retried.error) == (
        document.pk,
        1,
        PlanStatus.QUEUED,
        "",
    )
    assert enqueued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [document.pk]
    assert PlanDocument.objects.count() == 1


# Reading the stored file -------------------------------------------------------------


def test_it_reads_the_file_of_a_ready_document(
    cast: Cast, zhao_case: KmsCase, quick_render: None
) -> None:
    document = _ready(zhao_case, cast)

    assert plan_services.plan_file_read(document) == _stand_in_pdf(document)


def test_it_reads_nothing_from_a_file_changed_on_disk(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    document = _ready(zhao_case, cast)
    path = plan_root / document.file.name
    path.write_bytes(path.read_bytes().replace(b"stand-in", b"forgery!"))

    assert plan_services.plan_file_read(_reload(document)) is None


def test_it_reads_nothing_when_the_file_is_missing(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    document = _ready(zhao_case, cast)
    (plan_root / document.file.name).unlink()

    assert plan_services.plan_file_read(_reload(document)) is None


@pytest.mark.parametrize("status", [PlanStatus.QUEUED, PlanStatus.RENDERING, PlanStatus.FAILED])
def test_it_reads_nothing_from_a_document_that_is_not_ready(
    cast: Cast, zhao_case: KmsCase, quick_render: None, status: str
) -> None:
    # Even with a complete file on disk (a render that wrote it and then lost its
    # worker): only the ready state says the file is the one recorded.
    document = _ready(zhao_case, cast)
    PlanDocument.objects.filter(pk=document.pk).update(status=status)

    assert plan_services.plan_file_read(_reload(document)) is None


# Erasure -----------------------------------------------------------------------------


def test_erasing_the_client_deletes_the_plan_files(
    cast: Cast, plan_root: Path, quick_render: None, django_capture_on_commit_callbacks: Any
) -> None:
    # A closed case without proposal items: erasing a client with items is a bug of its
    # own (see the next test).
    case = make_case(client=cast.advisor_client, status=CaseStatus.PRESENTED)
    names = [_ready(case, cast).file.name for _ in range(2)]
    kept = _ready(make_case(client=cast.teammate_client, status=CaseStatus.PRESENTED), cast)
    assert _files(plan_root) == sorted([*names, kept.file.name])

    with django_capture_on_commit_callbacks(execute=True):
        client_erase(client=cast.advisor_client, user=cast.admin, reason="request")

    assert not PlanDocument.objects.filter(client_id=case.client_id).exists()
    assert _files(plan_root) == [kept.file.name]
    # Not even an empty folder named by the client's id is left.
    assert not (plan_root / str(case.client_id)).exists()
    assert (plan_root / str(kept.client_id)).is_dir()


def test_erasing_a_client_with_a_proposal_deletes_the_plan_files(
    cast: Cast,
    zhao_case: KmsCase,
    plan_root: Path,
    quick_render: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _ready(zhao_case, cast)

    with django_capture_on_commit_callbacks(execute=True):
        client_erase(client=zhao_case.client, user=cast.admin, reason="request")

    assert not Client.objects.filter(pk=zhao_case.client_id).exists()
    assert _files(plan_root) == []


def test_it_deletes_the_file_only_once_the_deletion_commits(
    cast: Cast,
    zhao_case: KmsCase,
    plan_root: Path,
    quick_render: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = _ready(zhao_case, cast)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        zhao_case.delete()

    # A rolled-back deletion must still find its file.
    assert _files(plan_root) == [document.file.name]
    assert len(callbacks) == 1
    callbacks[0]()
    assert _files(plan_root) == []


def test_a_render_that_ends_after_the_client_was_erased_leaves_no_file(
    cast: Cast, plan_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = cast.advisor_client
    document = _request(make_case(client=client, status=CaseStatus.PRESENTED), cast)

    def render_while_erased(rendering: PlanDocument) -> tuple[bytes, int]:
        # The advisor erases the client while the worker is still drawing the pages.
        client_erase(client=client, user=cast.admin, reason="request")
        return _stand_in_pdf(rendering), 1

    monkeypatch.setattr(plan_services, "render_pdf", render_while_erased)

    result = plan_services.plan_render(document_id=document.pk)

    assert not Client.objects.filter(pk=client.pk).exists()
    assert result is None
    assert _files(plan_root) == []


# The storage -------------------------------------------------------------------------


class FailingContent(ContentFile):
    """Content whose stream breaks after the first chunk, like a disk filling up."""

    def chunks(self, chunk_size: int | None = None) -> Any:
        yield b"%PDF-1.7 half a file"
        raise OSError("No space left on device")


@pytest.fixture
def atomic_storage(tmp_path: Path) -> AtomicFileSystemStorage:
    return AtomicFileSystemStorage(location=tmp_path, base_url=None, allow_overwrite=True)


def test_the_storage_overwrites_in_place(
    atomic_storage: AtomicFileSystemStorage, tmp_path: Path
) -> None:
    first = atomic_storage.save("7/plan-1.pdf", ContentFile(b"first"))
    second = atomic_storage.save("7/plan-1.pdf", ContentFile(b"second"))

    assert first == second == "7/plan-1.pdf"
    assert (tmp_path / "7" / "plan-1.pdf").read_bytes() == b"second"
    assert _files(tmp_path) == ["7/plan-1.pdf"]


def test_the_storage_keeps_the_previous_file_when_a_write_fails(
    atomic_storage: AtomicFileSystemStorage, tmp_path: Path
) -> None:
    atomic_storage.save("7/plan-1.pdf", ContentFile(b"the complete plan"))

    with pytest.raises(OSError, match="No space left"):
        atomic_storage.save("7/plan-1.pdf", FailingContent(b""))

    assert (tmp_path / "7" / "plan-1.pdf").read_bytes() == b"the complete plan"
    assert _files(tmp_path) == ["7/plan-1.pdf"]
    assert not list(tmp_path.rglob("*.part"))


def test_the_storage_leaves_nothing_when_a_first_write_fails(
    atomic_storage: AtomicFileSystemStorage, tmp_path: Path
) -> None:
    with pytest.raises(OSError):
        atomic_storage.save("7/plan-1.pdf", FailingContent(b""))

    assert _files(tmp_path) == []


def test_the_storage_finds_a_free_name_when_overwriting_is_not_allowed(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=tmp_path, base_url=None)

    first = storage.save("7/plan-1.pdf", ContentFile(b"first"))
    second = storage.save("7/plan-1.pdf", ContentFile(b"second"))

    assert first == "7/plan-1.pdf" and second != first
    assert (tmp_path / first).read_bytes() == b"first"
    assert (tmp_path / second).read_bytes() == b"second"
    assert not list(tmp_path.rglob("*.part"))


def test_the_plan_storage_has_no_url(
    cast: Cast, zhao_case: KmsCase, plan_root: Path, quick_render: None
) -> None:
    document = _ready(zhao_case, cast)

    with pytest.raises(ValueError):
        storages["plans"].url(document.file.name)
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018


def test_a_render_holds_off_full_garbage_collections_until_it_ends(
    cast: Cast, zhao_case: KmsCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _request(zhao_case, cast)
    # The HTML first, so that what is recorded below is WeasyPrint's work alone.
    html = plan_services.plan_html(document)
    monkeypatch.setattr(plan_services, "plan_html", lambda _: html)
    # WeasyPrint imported before, not while recording (and this process left unfrozen).
    from weasyprint import HTML

    HTML(string="<p>方案</p>").write_pdf()
    generations: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    thresholds = gc.get_threshold()
    # A full collection after every middle one, unless the render holds them off.
    gc.set_threshold(700, 1, 1)
    gc.callbacks.append(record)
    try:
        _, pages = plan_services.render_pdf(document)
        assert gc.get_threshold() == (700, 1, 1)
    finally:
        gc.callbacks.remove(record)
        gc.set_threshold(*thresholds)

    assert pages > 10
    assert generations.count(0) > 50 and generations.count(1) > 10
    # One full collection, the one at the end that frees the render's cycles.
    assert generations.count(2) == 1 and generations[-1] == 2


def test_a_long_table_runs_over_pages_with_its_header_and_its_total_once(
    cast: Cast, zhao_case: KmsCase, tmp_path: Path
) -> None:
    # Thirty more deposits make the asset table of the appendix run over two pages.
    for number in range(30):
        make_asset(client=zhao_case.client, description=f"定期存款{number + 1}号")
    document = _request(zhao_case, cast)

    pdf, _ = plan_services.render_pdf(document)
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if "定期存款" in p]

    assert len(pages) >= 2
    # The column headings start every page of the table; the total closes it once.
    assert all("持有方式" in page for page in pages)
    totals = [line for line in text.splitlines() if line.strip().startswith("合计")]
    assert len(totals) == 2  # the premium summary's and the assets'
    assert "4530万元" in totals[-1] and "定期存款30号" in pages[-1]
