"""Benchmark: plan PDF rendering, in one process and through Celery workers.

Run:  scripts/with-services.sh .venv/bin/python bench/plans.py --plans 50

It migrates a throwaway database and loads the demo data, whose three-generation family
(周明德: 12 people, 20 assets, a KMS case with 3 proposals) gives the longest plan. Then:

1. render time of that plan through the product's code (plan_render: the case read,
   the Chinese HTML, WeasyPrint, the atomic write to private storage), median and
   worst of --repeat runs, and the page count. Reference measured in the same run:
   WeasyPrint alone turning the same HTML into a PDF; the ratio is our overhead.
2. throughput: a real Celery worker with 2 pool processes (the production settings:
   late ack, prefetch 1, recycling) renders --plans new plans queued at once; plans/s
   from the first enqueue to the last ready. Reference: one process rendering them
   one after another in the same run (1 / median of step 1); the ratio is the gain.
3. peak memory (VmHWM) of each worker pool process after the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
os.environ.setdefault("DEBUG", "1")
# Plans of this run go to a private store of their own, shared with the workers.
PRIVATE = Path(tempfile.mkdtemp(prefix="bench-plans-"))
os.environ["PRIVATE_STORAGE_ROOT"] = str(PRIVATE)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from advisor_crm.accounts.models import User  # noqa: E402
from kms import plan_services  # noqa: E402
from kms.models import KmsCase, PlanDocument, PlanStatus  # noqa: E402

TARGET_SECONDS, TARGET_RSS_MB, TARGET_RATE = 3.0, 500, 1.0


def big_case() -> KmsCase:
    return KmsCase.objects.select_related("client").get(client__name="周明德")


def render_once(case: KmsCase, advisor: User) -> tuple[float, PlanDocument]:
    document = plan_services.plan_request(case=case, user=advisor)
    # plan_request queues a job on commit; render here instead (no worker runs yet)
    # and the queued job finds the document ready and does nothing.
    started = time.perf_counter()
    rendered = plan_services.plan_render(document_id=document.pk)
    seconds = time.perf_counter() - started
    assert rendered is not None and rendered.status == PlanStatus.READY, rendered
    return seconds, rendered


def weasyprint_alone(document: PlanDocument) -> float:
    from weasyprint import HTML

    html = plan_services.plan_html(document)
    started = time.perf_counter()
    HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return time.perf_counter() - started


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "advisor_crm", "worker",
                "--loglevel=WARNING", "--pool=prefork", "--concurrency=2", "--purge",
            ],
            cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return worker


def pool_processes(worker: subprocess.Popen[bytes]) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_until_ready(ids: list[int], timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = PlanDocument.objects.filter(pk__in=ids).exclude(status=PlanStatus.READY)
        failed = pending.filter(status=PlanStatus.FAILED).values_list("error", flat=True)[:1]
        if failed:
            raise SystemExit(f"a plan failed: {failed[0]}")
        if not pending.exists():
            return time.monotonic()
        time.sleep(0.1)
    raise SystemExit("the worker did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        raise SystemExit("run under scripts/with-services.sh (PostgreSQL and Redis)")

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    case = big_case()
    advisor = case.client.owner
    kyc_people = case.client.people.count()
    assets = case.client.assets.count()
    print(
        f"plan of {case.client.name}: {kyc_people} people, {assets} assets, "
        f"{case.items.count()} proposals"
    )

    # Ready as a worker is before it forks its pool (fonts loaded, what is loaded
    # frozen), so that the one-process reference renders like a pool process does.
    plan_services.renderer_warm_up()
    render_once(case, advisor)  # warm-up: templates, connections
    samples, document = [], None
    for _ in range(args.repeat):
        seconds, document = render_once(case, advisor)
        samples.append(seconds)
    assert document is not None
    median = statistics.median(samples)
    reference = statistics.median(weasyprint_alone(document) for _ in range(3))
    print(
        f"render through the product: median {median:.2f} s, worst {max(samples):.2f} s, "
        f"{document.page_count} pages, {(document.byte_size or 0) / 1024:.0f} KiB "
        f"(target <= {TARGET_SECONDS:.0f} s)"
    )
    print(
        f"reference, WeasyPrint alone on the same HTML: {reference:.2f} s; "
        f"ratio {median / reference:.2f}x"
    )

    log = ROOT / "var" / "bench-plans-worker.log"
    log.parent.mkdir(exist_ok=True)
    worker = start_worker(log)
    try:
        time.sleep(1)
        deadline = time.monotonic() + 60
        while len(pool_processes(worker)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # let the pool processes finish importing Django
        started = time.monotonic()
        ids = [plan_services.plan_request(case=case, user=advisor).pk for _ in range(args.plans)]
        finished = wait_until_ready(ids, timeout=args.plans * 30)
        elapsed = finished - started
        rate = args.plans / elapsed
        serial = 1 / median
        print(
            f"throughput, 2 worker processes: {args.plans} plans in {elapsed:.1f} s = "
            f"{rate:.2f} plans/s (target >= {TARGET_RATE:.0f}); reference, one process "
            f"rendering in turn: {serial:.2f} plans/s; ratio {rate / serial:.2f}x"
        )
        rendered = [
            (started_at, finished_at, render_ms)
            for started_at, finished_at, render_ms in PlanDocument.objects.filter(
                pk__in=ids
            ).values_list("started_at", "finished_at", "render_ms")
            if started_at and finished_at and render_ms
        ]
        overlap = max(sum(1 for s, f, _ in rendered if s <= start < f) for start, _, _ in rendered)
        print(
            f"in the workers: median render {statistics.median(r[2] for r in rendered)} ms, "
            f"at most {overlap} plans rendering at once"
        )
        peaks = [peak_rss_mb(pid) for pid in pool_processes(worker)]
        print(
            "peak worker memory (VmHWM) per pool process: "
            + ", ".join(f"{mb:.0f} MB" for mb in peaks)
            + f" (target <= {TARGET_RSS_MB} MB); main process {peak_rss_mb(worker.pid):.0f} MB"
        )
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        shutil.rmtree(PRIVATE, ignore_errors=True)


if __name__ == "__main__":
    main()
