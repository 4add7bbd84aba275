"""Benchmark: the whole site under load, on gunicorn and PostgreSQL, with locust.

Run:  scripts/with-services.sh .venv/bin/python bench/load.py --clients 1000000 --users 200 --duration 5m

A small run to try it:  ... bench/load.py --clients 20000 --users 20 --duration 60s

It takes the machine: run it alone. At 1,000,000 clients expect about 15 minutes in all
(setup about 8: generating and scoring the clients, 200 worked cases; then the 5 minutes
of load and about 1 to stop).

1. Production settings (DEBUG off, static files collected and served by WhiteNoise, fresh
   keys), except that HTTPS is off (plain HTTP on 127.0.0.1: no SSL redirect, no secure
   cookies, no HSTS). Private files go to a temporary folder.
2. Migrates the throwaway database, loads the demo data, creates the load accounts
   (--advisors advisors in teams of 10, each team with its lead, and admins, all with
   one known password), generates --clients clients spread over the advisors (demo's
   generate_clients, the generator bench/client_list.py uses) and scores them. Each
   advisor a simulated user logs in as also gets the worked case of 赵立新: a client
   with a filled KYC map and an accepted KMS case, which the KYC edits, the wizard
   steps and the plans use. It writes what the simulated users need to a targets file.
3. Starts gunicorn (--workers sync workers, as docker-compose.yml) and a Celery worker
   (2 processes, as docker-compose.yml) that renders the plans with WeasyPrint.
4. Runs bench/locustfile.py headless: --users simulated advisors, team leads and admins
   (85:10:5) for --duration, counting the database connections (pg_stat_activity) every
   2 s meanwhile. Then waits for the plans still queued, and stops gunicorn and the
   worker.

It prints, per page: requests, failures, p50/p95/p99 in ms, requests per second, and
the ratio of the page's p50 to that of /healthz, the reference measured under the same
load in the same run (the cheapest request that still goes through the middleware, the
database and the broker); then the totals, the events that are not requests (plan quota
refusals), the database connections (max and mean, all and active), the plans the
worker rendered, and the errors. It exits with 1 when any request failed or any plan
failed: the run must have none.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-load-"))
PASSWORD = "load-test-pass-2026"
TEAM_SIZE = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=200, help="simulated users at once")
    parser.add_argument("--duration", default="5m", help="locust's --run-time: 60s, 5m, 1h")
    parser.add_argument(
        "--advisors",
        type=int,
        default=0,
        help="advisor accounts owning the clients (default: one per 1,000 clients, "
        "at least --users)",
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=0, help="default: --users / 10 a second"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--plan-every", type=int, default=200, help="an advisor asks for a plan once in N tasks"
    )
    return parser.parse_args()


ARGS = parse_args()
# Production settings on plain HTTP; the keys are this run's own.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "advisor_crm.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_hex(32),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "VAR_DIR": str(WORK / "var"),
        "PRIVATE_STORAGE_ROOT": str(WORK / "private"),
        "LOG_LEVEL": "WARNING",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from advisor_crm.accounts.models import Role, Team, User  # noqa: E402
from clients.models import Client  # noqa: E402
from clients.validators import id_number_check_char  # noqa: E402
from demo.kms import zhao_case  # noqa: E402
from demo.kyc import fill_zhao  # noqa: E402
from demo.management.commands.seed_demo import WORKED_CASES  # noqa: E402
from kms.models import KmsCase, PlanDocument, PlanStatus  # noqa: E402
from kyc.models import Person  # noqa: E402
from kyc.services import completeness_store  # noqa: E402
from scoring.selectors import published_version  # noqa: E402
from scoring.services import rescore_now  # noqa: E402


def seconds_of(duration: str) -> int:
    """locust's --run-time (e.g. 90, 60s, 5m, 1h30m) in seconds."""
    if duration.isdigit():
        return int(duration)
    parts = re.findall(r"(\d+)\s*([hms])", duration)
    if not parts:
        raise SystemExit(f"--duration: cannot read {duration!r}")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[unit] for n, unit in parts)


# 1-2. Data.


def accounts_create(advisors: int, admins: int) -> tuple[list[User], list[User], list[User]]:
    """Advisors in teams of TEAM_SIZE with their leads, and admins; one hashed password."""
    password = make_password(PASSWORD)  # hashed once: a million iterations per user is slow
    leads = User.objects.bulk_create(
        [
            User(username=f"load-lead-{n:04d}", role=Role.TEAM_LEAD, display_name=f"负载主管{n}", password=password)
            for n in range(-(-advisors // TEAM_SIZE))
        ]
    )  # fmt: skip
    teams = Team.objects.bulk_create(
        [Team(name=f"负载测试{n:04d}组", lead=lead) for n, lead in enumerate(leads)]
    )
    members = User.objects.bulk_create(
        [
            User(username=f"load-advisor-{n:05d}", role=Role.ADVISOR, display_name=f"负载顾问{n}",
                 team=teams[n // TEAM_SIZE], password=password)
            for n in range(advisors)
        ]
    )  # fmt: skip
    chiefs = User.objects.bulk_create(
        [
            User(username=f"load-admin-{n:03d}", role=Role.ADMIN, display_name=f"负载管理员{n}",
                 is_staff=True, is_superuser=True, password=password)
            for n in range(admins)
        ]
    )  # fmt: skip
    return members, leads, chiefs


def worked_case(advisor: User, n: int) -> dict[str, int]:
    """The worked case of 赵立新 for one advisor: KYC map and an accepted KMS case."""
    spec = {k: v for k, v in WORKED_CASES[0].items() if k not in {"id_number", "tags"}}
    birth = spec["birth_date"]
    first17 = f"330106{birth:%Y%m%d}{n // 5 % 100:02d}{'13579'[n % 5]}"
    client = Client(owner=advisor, **{**spec, "phone": f"138{n:08d}"})
    client.set_id_number(first17 + id_number_check_char(first17))
    client.full_clean(exclude=["tags"])
    client.save()
    fill_zhao(client, advisor)
    zhao_case(client, advisor)
    completeness_store(client=client)
    return {
        "kyc_client": client.pk,
        "kyc_person": Person.objects.get(client=client, name="李静").pk,
        "kms_case": KmsCase.objects.get(client=client).pk,
    }


def book_sample(advisor: User, size: int = 12) -> dict[str, list[str]]:
    """Names, mobiles and ID numbers of a few of the advisor's clients, to search for."""
    rows = list(
        Client.objects.filter(owner=advisor, client_type="individual").order_by("pk")[:size]
    )
    names = [c.name for c in rows] + [c.name[:2] for c in rows]
    return {
        "names": names or ["王"],
        "phones": [c.phone for c in rows] or ["13800000000"],
        "id_numbers": [c.get_id_number() for c in rows if c.get_id_number()] or ["0" * 18],
    }


def prepare(args: argparse.Namespace, advisors: int) -> dict[str, Any]:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    members, leads, admins = accounts_create(advisors, max(2, args.users // 20))
    print(f"accounts: {len(members):,} advisors in {len(leads):,} teams, {len(admins)} admins")
    generation_started = time.perf_counter()
    call_command(
        "generate_clients",
        count=args.clients,
        owners=[u.username for u in members],
        seed=13,
        batch_size=50_000,
        stdout=io.StringIO(),  # its progress lines; the figures below say enough
    )
    generation = time.perf_counter() - generation_started
    version = published_version()
    assert version is not None, "seed_demo publishes the default rule set"
    job, seconds = rescore_now(version=version, user=admins[0])
    print(
        f"clients: {Client.objects.count():,}, generated in {generation:.0f} s, "
        f"scored {job.done:,} in {seconds:.0f} s"
    )
    # The advisors the simulated users log in as: as many as users, at most.
    pool = members[: min(args.users, len(members))]
    cases_started = time.perf_counter()
    targets_advisors = [
        {"username": a.username, **worked_case(a, n), **book_sample(a)} for n, a in enumerate(pool)
    ]
    print(
        f"worked cases (KYC map + KMS case) for {len(pool)} advisors in "
        f"{time.perf_counter() - cases_started:.0f} s"
    )
    team_of: dict[int, list[int]] = {}
    for member in members:
        team_of.setdefault(member.team_id or 0, []).append(member.pk)
    leads_by_team = {team.lead_id: team.pk for team in Team.objects.filter(lead__in=leads)}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"setup took {time.perf_counter() - started:.0f} s")
    return {
        "password": PASSWORD,
        "advisors": targets_advisors,
        "leads": [
            {"username": lead.username, "advisors": team_of[leads_by_team[lead.pk]]}
            for lead in leads
        ],
        "admins": [{"username": admin.username} for admin in admins],
    }


# 3. Servers.


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes], name: str, timeout: float = 60) -> None:
    """SIGTERM (a graceful stop for both gunicorn and Celery), SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop in {timeout:.0f} s; killed")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz in 60 s:\n{log.read_text()[-3000:]}")


class ConnectionSampler(threading.Thread):
    """Counts this database's connections (all, and active) every `every` seconds."""

    def __init__(self, every: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[int, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
            while not self.done.wait(self.every):
                row = db.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                assert row is not None
                self.samples.append((int(row[0]), int(row[1])))


def plans_drain(since: Any, timeout: float) -> None:
    """Wait for the plans requested during the run that are still queued or rendering."""
    deadline = time.monotonic() + timeout
    pending = PlanDocument.objects.filter(
        requested_at__gte=since, status__in=[PlanStatus.QUEUED, PlanStatus.RENDERING]
    )
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(1)


# 4. The run and its report.


def locust_run(args: argparse.Namespace, url: str, targets: Path) -> Path:
    prefix = WORK / "locust"
    spawn_rate = args.spawn_rate or max(1.0, args.users / 10)
    env = {
        **os.environ,
        "LOAD_TARGETS": str(targets),
        "LOAD_PLAN_EVERY": str(args.plan_every),
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", url,
        "-u", str(args.users), "-r", str(spawn_rate), "-t", args.duration,
        "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    with open(WORK / "locust.log", "wb") as out:
        # Exits 1 when a request failed; the report below says which.
        subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            timeout=seconds_of(args.duration) + 300, check=False,
        )  # fmt: skip
    return prefix


def report(
    prefix: Path, samples: list[tuple[int, int]], since: Any, seconds: int
) -> tuple[int, int]:
    """Print the table; return (failed requests, failed plans)."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats_file:
        rows = list(csv.DictReader(stats_file))
    pages = [r for r in rows if r["Type"] not in {"INFO", ""} and r["Name"] != "Aggregated"]
    infos = [r for r in rows if r["Type"] == "INFO"]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    reference = next((r for r in pages if r["Name"] == "reference: /healthz"), None)
    ref_p50 = float(reference["50%"]) if reference else 0.0

    print()
    print(
        f"{'page':<30} {'method':<6} {'requests':>8} {'fails':>5} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'req/s':>6} {'p50/ref':>7}"
    )
    for r in sorted(pages, key=lambda r: -int(r["Request Count"])):
        ratio = float(r["50%"]) / ref_p50 if ref_p50 else float("nan")
        print(
            f"{r['Name']:<30} {r['Type']:<6} {int(r['Request Count']):>8,} "
            f"{int(r['Failure Count']):>5} {r['50%']:>7} {r['95%']:>7} {r['99%']:>7} "
            f"{float(r['Requests/s']):>6.2f} {ratio:>7.1f}"
        )
    # The INFO events are counted in locust's totals; the totals here are requests only.
    requests = sum(int(r["Request Count"]) for r in pages)
    failures = sum(int(r["Failure Count"]) for r in pages)
    print(
        f"{'all requests':<30} {'':<6} {requests:>8,} {failures:>5} {total['50%']:>7} "
        f"{total['95%']:>7} {total['99%']:>7} {requests / seconds:>6.2f}"
    )
    print(f"reference: /healthz p50 {ref_p50:.0f} ms under the same load")
    for r in infos:
        print(f"event: {r['Name']}: {int(r['Request Count']):,}")

    if samples:
        every = [s[0] for s in samples]
        active = [s[1] for s in samples]
        print(
            f"database connections ({len(samples)} samples): max {max(every)}, mean "
            f"{statistics.mean(every):.1f}; active max {max(active)}, mean "
            f"{statistics.mean(active):.1f} (max_connections "
            f"{_setting('max_connections')})"
        )

    plans = PlanDocument.objects.filter(requested_at__gte=since)
    counts = {status: plans.filter(status=status).count() for status in PlanStatus.values}
    render_ms = [
        ms for ms in plans.filter(status=PlanStatus.READY).values_list("render_ms", flat=True) if ms
    ]
    print(
        "plans rendered by the worker: "
        + ", ".join(f"{counts[s]} {s}" for s in PlanStatus.values)
        + (f"; median render {statistics.median(render_ms):.0f} ms" if render_ms else "")
    )
    with open(f"{prefix}_failures.csv", encoding="utf-8") as failures_file:
        for r in csv.DictReader(failures_file):
            print(f"failure: {r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}")
    failed_plans = counts.get(PlanStatus.FAILED, 0)
    failed_events = sum(int(r["Request Count"]) for r in infos if r["Name"] == "plan failed")
    print(f"errors: {failures} failed requests, {max(failed_plans, failed_events)} failed plans")
    return failures, max(failed_plans, failed_events)


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return str(cursor.fetchone()[0])


def main() -> None:
    args = ARGS
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        raise SystemExit("run under scripts/with-services.sh (PostgreSQL and Redis)")
    advisors = args.advisors or max(args.users, args.clients // 1000)
    targets = prepare(args, advisors)
    targets_file = WORK / "targets.json"
    targets_file.write_text(json.dumps(targets, ensure_ascii=False), encoding="utf-8")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gunicorn_log, worker_log = WORK / "gunicorn.log", WORK / "worker.log"
    bin_dir = Path(sys.executable).parent
    web = start(
        [str(bin_dir / "gunicorn"), "advisor_crm.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--timeout", "60"],
        gunicorn_log,
    )  # fmt: skip
    worker = start(
        [sys.executable, "-m", "celery", "-A", "advisor_crm", "worker", "--loglevel=WARNING",
         "--concurrency=2", "--max-tasks-per-child=50"],
        worker_log,
    )  # fmt: skip
    sampler = ConnectionSampler()
    failures = failed_plans = 1
    try:
        wait_healthy(url, web, gunicorn_log)
        print(
            f"gunicorn ({args.workers} sync workers) on {url}, Celery worker (2 processes); "
            f"locust: {args.users} users for {args.duration}"
        )
        since = timezone.now()
        connection.close()  # not counted among the connections of the run
        sampler.start()
        started = time.monotonic()
        prefix = locust_run(args, url, targets_file)
        elapsed = round(time.monotonic() - started)
        sampler.done.set()
        sampler.join()
        plans_drain(since, timeout=180)
        failures, failed_plans = report(prefix, sampler.samples, since, seconds_of(args.duration))
        print(f"load phase took {elapsed} s")
    finally:
        sampler.done.set()
        stop(web, "gunicorn")
        stop(worker, "the Celery worker", timeout=120)
        if failures or failed_plans:
            for name, log in (("gunicorn", gunicorn_log), ("worker", worker_log)):
                text = log.read_text(errors="replace") if log.exists() else ""
                if "Traceback" in text or "ERROR" in text:
                    print(f"--- end of the {name} log ---\n{text[-6000:]}")
            locust_log = WORK / "locust.log"
            if locust_log.exists():
                print(f"--- end of the locust log ---\n{locust_log.read_text()[-3000:]}")
        shutil.rmtree(WORK, ignore_errors=True)
    if failures or failed_plans:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
