"""Plan PDFs (方案建议书): requesting, rendering and storing them.

A request creates a numbered PlanDocument and queues a Celery job once the transaction
commits. The job renders the case to HTML, WeasyPrint turns it into a PDF, and the file
is written atomically to the private "plans" storage at a path fixed by the document id.
Rendering holds a PostgreSQL advisory lock on the document, so a job delivered twice
renders once: the second delivery waits, then finds the document ready. A worker killed
mid-render releases the lock with its connection; the redelivered job renders again to
the same path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DatabaseError, transaction
from django.db.models import F, Max
from django.db.models.signals import post_delete
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_spaces_between_tags
from django.utils.translation import gettext as _

from advisor_crm import locks
from advisor_crm.accounts.models import User
from advisor_crm.locks import advisory_lock
from clients.models import Client, SensitiveAccess
from kms import pdf_speedups, plan_selectors, selectors
from kms.models import (
    KmsCase,
    PlanDocument,
    PlanStatus,
    plan_file_name,
    plan_storage,
)

# Errors worth another attempt: the database or the disk hiccuped. Anything else (a
# template or layout error) would fail the same way again.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (DatabaseError, OSError)
PDF_LANGUAGE = "zh-hans"


class PlanNotReady(Exception):
    def __init__(self, reasons: list[Any]) -> None:
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


class PlanNotRetryable(Exception):
    pass


# A user's plans queued or rendering at once, and requested per hour: ten clicks must
# not queue ten renders that hold the workers from everyone else's plans.
PLANS_IN_PROGRESS_PER_USER = 3
PLANS_PER_USER_PER_HOUR = 30


def plan_quota_check(*, user: User) -> None:
    """Refuse (PlanNotReady) a user's request beyond their share of the renderers."""
    mine = PlanDocument.objects.filter(requested_by=user)
    # A render whose job was lost (PlanDocument.retryable_q) holds no renderer.
    in_progress = (
        mine.filter(status__in=[PlanStatus.QUEUED, PlanStatus.RENDERING])
        .exclude(PlanDocument.retryable_q())
        .count()
    )
    if in_progress >= PLANS_IN_PROGRESS_PER_USER:
        raise PlanNotReady([
            _("%(count)s of your plans are still being prepared; request another when one is ready.")
            % {"count": in_progress}
        ])  # fmt: skip
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if mine.filter(requested_at__gte=hour_ago).count() >= PLANS_PER_USER_PER_HOUR:
        raise PlanNotReady([
            _("You requested %(count)s plans in the last hour; please wait before requesting more.")
            % {"count": PLANS_PER_USER_PER_HOUR}
        ])  # fmt: skip


def plan_request(*, case: KmsCase, user: User) -> PlanDocument:
    """Queue a new numbered plan of the case; the job starts when the transaction commits."""
    reasons = plan_selectors.plan_blockers(state=selectors.case_state(case=case))
    if reasons:
        raise PlanNotReady(reasons)
    with transaction.atomic():
        # Lock the client row so that two requests at once cannot take the same number.
        Client.objects.select_for_update().filter(pk=case.client_id).exists()
        last = PlanDocument.objects.filter(client_id=case.client_id).aggregate(n=Max("number"))
        document = PlanDocument.objects.create(
            case=case,
            client_id=case.client_id,
            number=(last["n"] or 0) + 1,
            requested_by=user,
        )
        _enqueue(document.pk)
    return document


def plan_retry(*, document: PlanDocument) -> PlanDocument:
    """Queue a failed (or stale) document again, under its own number.

    Requeueing a document whose first job is in fact still running is harmless: the
    second job waits for the render lock and then finds the document ready.
    """
    with transaction.atomic():
        updated = PlanDocument.objects.filter(PlanDocument.retryable_q(), pk=document.pk).update(
            status=PlanStatus.QUEUED, error="", requested_at=timezone.now()
        )
        if not updated:
            raise PlanNotRetryable(_("Only a failed plan can be generated again."))
        _enqueue(document.pk)
    document.refresh_from_db()
    return document


def _enqueue(document_id: int) -> None:
    from kms.tasks import render_plan

    transaction.on_commit(lambda: render_plan.delay(document_id))


def plan_render(*, document_id: int, final_attempt: bool = True) -> PlanDocument | None:
    """Render and store one document, unless it is already ready.

    A transient error on a non-final attempt puts the document back in the queue and
    re-raises, for the task to retry later; any other error, or a transient one on the
    last attempt, marks the document failed with the error text. Returns None when the
    document no longer exists (its client was erased meanwhile).
    """
    with advisory_lock(locks.PLAN_DOCUMENT, document_id):
        document = (
            PlanDocument.objects.select_related("case__client__owner__team", "requested_by")
            .filter(pk=document_id)
            .first()
        )
        if document is None or document.status == PlanStatus.READY:
            return document
        started = timezone.now()
        PlanDocument.objects.filter(pk=document_id).update(
            status=PlanStatus.RENDERING, started_at=started, attempts=F("attempts") + 1
        )
        clock = time.perf_counter()
        try:
            pdf, pages = render_pdf(document)
            name = _plan_storage_save(document, pdf)
        except Exception as error:
            transient = isinstance(error, TRANSIENT_ERRORS) and not final_attempt
            PlanDocument.objects.filter(pk=document_id).update(
                status=PlanStatus.QUEUED if transient else PlanStatus.FAILED,
                error=f"{type(error).__name__}: {error}"[:2000],
                finished_at=None if transient else timezone.now(),
            )
            raise
        recorded = PlanDocument.objects.filter(pk=document_id).update(
            status=PlanStatus.READY,
            error="",
            file=name,
            page_count=pages,
            byte_size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            finished_at=timezone.now(),
            render_ms=round((time.perf_counter() - clock) * 1000),
        )
        if not recorded:
            # The client was erased while the plan rendered: its file must not outlive it.
            _plan_file_delete(plan_storage(), name)
            return None
        document.refresh_from_db()
        return document


def plan_html(document: PlanDocument) -> str:
    """The HTML the PDF is made from, always in Simplified Chinese: the client's copy."""
    with translation.override(PDF_LANGUAGE):
        context = plan_selectors.plan_content(document=document)
        context["footer_css"] = _footer_css()
        # The indentation between tags is a tenth of the HTML WeasyPrint would parse.
        return strip_spaces_between_tags(render_to_string("kms/plan/document.html", context))


def _footer_css() -> str:
    # CSS generated content cannot be translated by the template engine; build the
    # string here with the counters spliced into the translated sentence.
    text = _("Page %(page)s of %(pages)s") % {
        "page": '" counter(page) "',
        "pages": '" counter(pages) "',
    }
    return f'"{text}"'


def render_pdf(document: PlanDocument) -> tuple[bytes, int]:
    """The PDF bytes and their page count."""
    from weasyprint import HTML

    pdf_speedups.install()
    html = plan_html(document)
    with _young_collections_only():
        rendered = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
        return rendered.write_pdf() or b"", len(rendered.pages)


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """Hold off Python's full garbage collections until the render is over.

    A render builds a few hundred thousand objects (boxes, styles, Pango layouts) that
    all live until the PDF is written, and the full collection Python runs midway
    walks every one of them, plus the whole of Django: about a tenth of the render.
    Young generations are still collected as usual; a single full collection at the
    end frees the render's reference cycles while they are few and dead.
    """
    young, middle, _ = thresholds = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect()


# Chinese in both weights, an SVG label: what a plan needs loaded before its first render.
_WARM_UP_HTML = (
    "<p style=\"font-family: 'Noto Sans CJK SC'\">方案 <b>建议书</b></p>"
    '<svg width="40" height="20"><text x="0" y="15">方案</text></svg>'
)


def renderer_warm_up() -> None:
    """Ready this process to render many plans: for a worker before it forks its pool.

    Imports WeasyPrint, installs the speed-ups and loads the fonts (about a second),
    then freezes what is loaded: it lives as long as the process, and frozen, Python's
    collector no longer walks it (nor, in forked pool processes, dirties the pages
    they share with their parent by doing so).
    """
    from weasyprint import HTML

    pdf_speedups.install()
    HTML(string=_WARM_UP_HTML).write_pdf()
    gc.collect()
    gc.freeze()


def _plan_storage_save(document: PlanDocument, pdf: bytes) -> str:
    return str(plan_storage().save(plan_file_name(document), ContentFile(pdf)))


def plan_file_read(document: PlanDocument) -> bytes | None:
    """The stored PDF, or None when it is missing or not the one that was recorded."""
    if not document.is_ready or not document.file:
        return None
    try:
        with plan_storage().open(document.file.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        return None
    return bytes(data)


def _plan_file_delete(storage: Storage, name: str) -> None:
    """Delete a plan file, and the client's folder once it holds no other plan: an
    empty folder named by the client's id would outlive an erasure."""
    storage.delete(name)
    folder = os.path.dirname(name)
    if not folder:
        return
    # The folder may still hold a plan, or the storage may have no folders.
    with contextlib.suppress(OSError, NotImplementedError):
        os.rmdir(storage.path(folder))


def _file_delete(sender: type[PlanDocument], instance: PlanDocument, **kwargs: Any) -> None:
    """Plans hold personal data: when a document goes (erasure cascades), its file goes."""
    if instance.file:
        name, storage = instance.file.name, plan_storage()
        transaction.on_commit(lambda: _plan_file_delete(storage, name))


post_delete.connect(_file_delete, sender=PlanDocument, dispatch_uid="plan_file_delete")


def plan_download_record(*, document: PlanDocument, user: User, ip_address: str | None) -> None:
    """A plan holds the household's finances and health cover: each download is audited."""
    SensitiveAccess.objects.create(
        client_id=document.client_id,
        user=user,
        field=SensitiveAccess.Field.PLAN,
        ip_address=ip_address,
    )
