"""The fixed cast every test uses.

Team A: `lead` leads `advisor` and `teammate`. Team B: led by `other_lead`, with
`outsider`. `admin` belongs to no team. Each advisor owns one client.
"""

from __future__ import annotations

import copy
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from pytest_django import Settings
from pytest_django.plugin import DjangoDbBlocker

from advisor_crm.accounts.models import Role, User
from clients.models import Client
from kms.models import KmsCase
from tests.factories import make_client, make_team, make_user


@dataclass
class Cast:
    admin: User
    lead: User
    advisor: User
    teammate: User
    other_lead: User
    outsider: User
    advisor_client: Client
    teammate_client: Client
    outsider_client: Client


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Settings) -> None:
    # The default PBKDF2 takes a noticeable fraction of a second per user on purpose;
    # tests create several users each, and what they check does not depend on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> Cast:
    admin = make_user(username="admin", role=Role.ADMIN)
    lead = make_user(username="lead", role=Role.TEAM_LEAD)
    team_a = make_team(lead=lead, name="杭州一组")
    advisor = make_user(username="advisor", team=team_a)
    teammate = make_user(username="teammate", team=team_a)
    other_lead = make_user(username="other_lead", role=Role.TEAM_LEAD)
    team_b = make_team(lead=other_lead, name="上海二组")
    outsider = make_user(username="outsider", team=team_b)
    return Cast(
        admin=admin,
        lead=lead,
        advisor=advisor,
        teammate=teammate,
        other_lead=other_lead,
        outsider=outsider,
        advisor_client=make_client(owner=advisor, name="赵建国"),
        teammate_client=make_client(owner=teammate, name="孙丽"),
        outsider_client=make_client(owner=outsider, name="周杰"),
    )


def logged_in(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def pytest_report_header(config: pytest.Config) -> str:
    """Say in the test output which database and broker the suite runs against."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    where = f"{database.get('HOST') or ''}:{database.get('PORT') or ''}".strip(":")
    broker = settings.CELERY_BROKER_URL or "none (tasks run in-process)"
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {where}; broker: {broker}"


class CeleryWorker:
    """A real Celery worker process on the test Redis and the test database.

    Its own process group, so that a test can kill it as a whole (kill -9 of the main
    process and its pool) and start a new one in its place.
    """

    def __init__(self, *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        import os
        from pathlib import Path

        from django.conf import settings
        from django.db import connection

        if not settings.CELERY_BROKER_URL:
            pytest.skip("needs the Redis broker that `make test` starts")
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "DEBUG": "1",
            **(env or {}),
        }
        self.args = args or ("--pool=solo",)
        self.root = Path(__file__).resolve().parent.parent
        self.log = self.root / "var" / "test-celery-worker.log"
        self.log.parent.mkdir(exist_ok=True)
        self.log.write_text("")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, purge: bool = True) -> CeleryWorker:
        """Start and wait until ready; purge drops jobs other tests queued without a worker
        (a restart after a crash keeps them: the crashed job must come back).
        """
        import sys

        out = open(self.log, "a")  # noqa: SIM115 - the worker writes to it until stopped
        offset = self.log.stat().st_size
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "advisor_crm",
                "worker",
                "--loglevel=INFO",
                *(["--purge"] if purge else []),
                *self.args,
            ],
            cwd=self.root,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{self.log.read_text()[offset:]}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """kill -9 the worker and its pool processes, as a crash or the OOM killer would."""
        import os
        import signal

        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        import os
        import signal

        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def plan_root(tmp_path: Path, settings: Settings) -> Path:
    """A private plan store of the test's own, so files can be counted and inspected."""
    root = tmp_path / "plans"
    storages = copy.deepcopy(settings.STORAGES)
    storages["plans"]["OPTIONS"]["location"] = root
    settings.STORAGES = storages
    return root


@pytest.fixture
def zhao_case(cast: Cast) -> KmsCase:
    """Mr Zhao (DOMAIN.md, worked case 1) as seed_demo builds him, owned by `advisor`."""
    from demo import kms as demo
    from demo.kyc import fill_zhao
    from demo.management.commands.seed_demo import WORKED_CASES

    spec = {k: v for k, v in WORKED_CASES[0].items() if k not in ("tags", "id_number")}
    client = make_client(owner=cast.advisor, **spec)
    fill_zhao(client, cast.advisor)
    demo.zhao_case(client, cast.advisor)
    return KmsCase.objects.select_related("client").get(client=client)


@pytest.fixture
def celery_worker(transactional_db: None, django_db_blocker: object) -> Iterator[CeleryWorker]:
    """A running worker (solo pool). Tests using it write through committed transactions
    (transactional_db), so the worker sees their rows, and the test sees the worker's.
    """
    worker = CeleryWorker().start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions_at_teardown(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    """End the test database's other sessions before pytest-django drops it.

    A browser journey followed by a database test leaves the pytest process with a
    second, idle connection that Django's close_all no longer reaches, and dropping
    the database then fails with "being accessed by other users". Set up after
    django_db_setup, this is torn down before it.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
