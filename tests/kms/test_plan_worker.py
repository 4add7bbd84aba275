"""Plan PDFs through a real Celery worker on the test Redis, rendered by real WeasyPrint.

Each test starts its own worker process (tests/conftest.py CeleryWorker) pointed at the
test database and at a private plan store in tmp_path, so files can be counted.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from advisor_crm import locks
from advisor_crm.locks import advisory_lock
from kms import plan_services
from kms.models import FindingStatus, KmsCase, PlanDocument, PlanStatus
from kms.tasks import render_plan
from tests.conftest import Cast, CeleryWorker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_root(tmp_path: Path, plan_root: Path) -> Path:
    """The PRIVATE_STORAGE_ROOT of the worker; its plan store is plan_root."""
    assert plan_root == tmp_path / "plans"
    return tmp_path


def _worker(private_root: Path, *args: str, **env: str) -> CeleryWorker:
    return CeleryWorker(env={"PRIVATE_STORAGE_ROOT": str(private_root), **env}, args=args)


@pytest.fixture
def stopper() -> Iterator[list[CeleryWorker]]:
    """Workers a test started; stopped whatever the outcome."""
    workers: list[CeleryWorker] = []
    yield workers
    for worker in workers:
        worker.stop()


def _wait_for(document: PlanDocument, *statuses: str, timeout: float = 90) -> PlanDocument:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.status in statuses:
            return document
        time.sleep(0.02)
    pytest.fail(f"plan {document.pk} stayed {document.status}, expected {statuses}")


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _files(plan_root: Path) -> list[str]:
    return sorted(str(p.relative_to(plan_root)) for p in plan_root.rglob("*") if p.is_file())


def test_the_worker_renders_mr_zhaos_plan_with_his_facts(
    zhao_case: KmsCase, private_root: Path, plan_root: Path, cast: Cast, stopper: list[CeleryWorker]
) -> None:
    stopper.append(_worker(private_root).start())

    document = plan_services.plan_request(case=zhao_case, user=cast.advisor)
    document = _wait_for(document, PlanStatus.READY, PlanStatus.FAILED)

    assert document.status == PlanStatus.READY, document.error
    path = plan_root / document.file.name
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert (document.byte_size, document.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert document.attempts == 1 and document.render_ms and document.page_count
    text = _pdf_text(path)
    for fact in ("赵立新", "5,000,000", "500万", "175,000", "17.5万", str(cast.advisor)):
        assert fact in text, fact
    for beneficiary in ("李静", "赵可欣", "赵国强", "王秀英"):
        assert beneficiary in text
    with translation.override("zh-hans"):
        risks = [f.label for f in zhao_case.findings.filter(status=FindingStatus.CONFIRMED)]
    assert len(risks) >= 4
    for risk in risks:
        # pdftotext may break a long label across lines of a table cell.
        assert risk in text.replace("\n", "").replace(" ", ""), risk
    assert f"共 {document.page_count} 页" in text


def test_a_duplicate_delivery_renders_once_into_one_file(
    zhao_case: KmsCase, private_root: Path, plan_root: Path, cast: Cast, stopper: list[CeleryWorker]
) -> None:
    # Two pool processes, so the two deliveries really run at the same time.
    stopper.append(_worker(private_root, "--pool=prefork", "--concurrency=2").start())
    document = PlanDocument.objects.create(
        case=zhao_case, client=zhao_case.client, number=1, requested_by=cast.advisor
    )

    render_plan.delay(document.pk)
    render_plan.delay(document.pk)
    document = _wait_for(document, PlanStatus.READY, PlanStatus.FAILED)
    # Let the second delivery finish too: it waited for the lock, then found the plan ready.
    deadline = time.monotonic() + 60
    log = stopper[0].log
    while log.read_text().count("kms.tasks.render_plan") < 4 and time.monotonic() < deadline:
        time.sleep(0.2)  # 2 x "Task ... received" + 2 x "Task ... succeeded"

    document.refresh_from_db()
    assert document.status == PlanStatus.READY
    assert document.attempts == 1
    assert _files(plan_root) == [f"{zhao_case.client_id}/plan-{document.pk}.pdf"]
    assert PlanDocument.objects.filter(client=zhao_case.client).count() == 1


def test_pool_processes_start_with_the_renderer_already_loaded(
    private_root: Path, stopper: list[CeleryWorker]
) -> None:
    # The worker's main process loads WeasyPrint and the fonts before it forks its pool
    # (advisor_crm/celery.py), so no plan pays for that, not even the first one.
    worker = _worker(private_root, "--pool=prefork", "--concurrency=2").start()
    stopper.append(worker)
    assert worker.process is not None
    main = worker.process.pid
    children = Path(f"/proc/{main}/task/{main}/children").read_text().split()

    assert len(children) == 2
    for pid in [main, *children]:
        maps = Path(f"/proc/{pid}/maps").read_text()
        assert "libpango-1.0" in maps, pid
    assert "render_plan" not in worker.log.read_text().split("ready.", 1)[1]


def test_a_failing_render_ends_failed_with_the_error_and_a_retry_works(
    zhao_case: KmsCase, private_root: Path, plan_root: Path, cast: Cast, stopper: list[CeleryWorker]
) -> None:
    # A file where the client's plan directory should be: the storage cannot write,
    # even as root. One retry without backoff, then the document fails.
    plan_root.mkdir(parents=True)
    blocker = plan_root / str(zhao_case.client_id)
    blocker.write_text("not a directory")
    stopper.append(
        _worker(private_root, PLAN_RENDER_MAX_RETRIES="1", PLAN_RENDER_RETRY_BACKOFF="0").start()
    )

    document = plan_services.plan_request(case=zhao_case, user=cast.advisor)
    document = _wait_for(document, PlanStatus.FAILED, PlanStatus.READY)

    assert document.status == PlanStatus.FAILED
    assert "is not a directory" in document.error
    assert document.attempts == 2  # the first try and its one retry
    assert not document.file
    assert _files(plan_root) == [str(zhao_case.client_id)]  # only the blocker, no .part

    blocker.unlink()
    plan_services.plan_retry(document=document)
    document = _wait_for(document, PlanStatus.READY, PlanStatus.FAILED)

    assert document.status == PlanStatus.READY and document.error == ""
    assert document.number == 1 and document.attempts == 3
    assert _files(plan_root) == [f"{zhao_case.client_id}/plan-{document.pk}.pdf"]


def test_a_worker_killed_mid_render_renders_the_plan_once_it_is_back(
    zhao_case: KmsCase, private_root: Path, plan_root: Path, cast: Cast, stopper: list[CeleryWorker]
) -> None:
    # A short visibility timeout and a frequent sweep, so the unacknowledged job of the
    # dead worker comes back within seconds instead of the production hour.
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    first = _worker(private_root, "--pool=prefork", "--concurrency=1", **env)
    stopper.append(first.start())

    document = plan_services.plan_request(case=zhao_case, user=cast.advisor)
    document = _wait_for(document, PlanStatus.RENDERING, PlanStatus.READY)
    first.kill()

    document.refresh_from_db()
    assert document.status == PlanStatus.RENDERING, "the kill came too late to test anything"
    assert not any(name.endswith(".pdf") for name in _files(plan_root))

    second = _worker(private_root, "--pool=prefork", "--concurrency=1", **env)
    stopper.append(second.start(purge=False))
    document = _wait_for(document, PlanStatus.READY, PlanStatus.FAILED, timeout=120)

    assert document.status == PlanStatus.READY, document.error
    assert document.number == 1 and document.attempts == 2
    assert PlanDocument.objects.filter(client=zhao_case.client).count() == 1
    assert _files(plan_root) == [f"{zhao_case.client_id}/plan-{document.pk}.pdf"]
    data = (plan_root / document.file.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == document.sha256


def test_the_render_lock_is_held_while_rendering_and_released_after(
    zhao_case: KmsCase, cast: Cast
) -> None:
    """A session-level advisory lock: a dead worker's connection takes it along."""
    document = PlanDocument.objects.create(
        case=zhao_case, client=zhao_case.client, number=1, requested_by=cast.advisor
    )
    with advisory_lock(locks.PLAN_DOCUMENT, document.pk), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
            [document.pk],
        )
        assert cursor.fetchone() == (1,)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
            [document.pk],
        )
        assert cursor.fetchone() == (0,)
