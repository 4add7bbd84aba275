"""scripts/backup.sh and scripts/restore.sh, run as an operator would.

A source database on the test server gets the demo data and one real plan PDF; it is
backed up, restored into a new empty database and files directory, and both sides are
read by the app's own code in a subprocess (so that this process's test database is
never touched) and compared: every client, every encrypted value, every plan file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from cryptography.fernet import Fernet
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# The throwaway server trusts local connections, so any password gets in: this one is
# there to show that the scripts never print it.
PASSWORD = "backup-secret-never-printed"

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")) or not shutil.which("pg_dump"),
    reason="needs PostgreSQL and its client tools (make test provides both)",
)

# Run by the app's Python against one database and files directory: prints, as JSON,
# what a restore must bring back exactly.
SNAPSHOT = """
import hashlib, json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
django.setup()
from django.apps import apps
from clients.fields import EncryptedTextField
from clients.models import Client
from kms.models import PlanDocument, plan_storage

clients = [
    [c.pk, c.name, c.phone, c.get_id_number(), c.id_number_index]
    for c in Client.objects.order_by("pk")
]
encrypted = {}
for model in apps.get_models():
    names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    for name in names:
        rows = model._base_manager.exclude(**{name: ""}).order_by("pk").values_list("pk", name)
        encrypted[f"{model._meta.label}.{name}"] = [list(row) for row in rows]
plans = []
for document in PlanDocument.objects.order_by("pk"):
    path = plan_storage().path(document.file.name) if document.file else ""
    on_disk = hashlib.sha256(open(path, "rb").read()).hexdigest() if path and os.path.exists(path) else ""
    plans.append([document.pk, document.status, document.file.name, document.sha256, on_disk])
print(json.dumps({"clients": clients, "encrypted": encrypted, "plans": plans}, ensure_ascii=False))
"""


def _database_url(name: str) -> str:
    """DATABASE_URL of the test server with another database name (and the password)."""
    parts = urlsplit(DATABASE_URL)
    netloc = parts.netloc
    if "@" in netloc and ":" not in netloc.split("@")[0]:
        user, host = netloc.split("@", 1)
        netloc = f"{user}:{PASSWORD}@{host}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))


def _admin(statement: sql.Composed) -> None:
    """CREATE or DROP DATABASE, which cannot run inside a transaction."""
    with psycopg.connect(_database_url("postgres"), autocommit=True) as connection:
        connection.execute(statement)


@dataclass
class Place:
    """A database on the test server and a private files directory."""

    database: str
    files: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        # Plans render in-process; no job goes to a broker that no worker reads.
        env.pop("CELERY_BROKER_URL", None)
        env.update(
            DEBUG="1",
            DATABASE_URL=_database_url(self.database),
            PRIVATE_STORAGE_ROOT=str(self.files),
            PYTHON=sys.executable,
        )
        env.update(extra)
        return env

    def run(
        self, *command: str, check: bool = True, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "manage.py", *args)

    def snapshot(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run(sys.executable, "-c", SNAPSHOT).stdout)
        return data

    def table_names(self) -> set[str]:
        with psycopg.connect(_database_url(self.database)) as connection:
            rows = connection.execute(
                "SELECT tablename FROM pg_catalog.pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchall()
        return {row[0] for row in rows}


def _new_place(tmp: Path, role: str) -> Place:
    place = Place(database=f"backup_{role}_{uuid.uuid4().hex[:8]}", files=tmp / f"{role}-files")
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(place.database)))
    return place


def _drop(place: Place) -> None:
    _admin(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(place.database))
    )


@dataclass
class Source:
    place: Place
    backup: Path
    backup_output: str
    snapshot: dict[str, Any]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """The demo data with one rendered plan, and its backup."""
    tmp = tmp_path_factory.mktemp("backup")
    place = _new_place(tmp, "source")
    try:
        place.manage("migrate", "--no-input", "-v", "0")
        place.manage("seed_demo")
        # The demo renders no plan: render the worked case's, with real WeasyPrint.
        place.manage("render_plan", "赵立新")
        result = place.run("scripts/backup.sh", str(tmp / "backups"))
        (backup,) = (tmp / "backups").iterdir()
        yield Source(
            place=place,
            backup=backup,
            backup_output=result.stdout + result.stderr,
            snapshot=place.snapshot(),
        )
    finally:
        _drop(place)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Place]:
    """A new empty database and a files directory that does not exist yet."""
    place = _new_place(tmp_path, "target")
    try:
        yield place
    finally:
        _drop(place)


def test_it_backs_up_the_database_the_files_and_their_checksums(source: Source) -> None:
    assert source.backup.name.startswith("advisor-crm-")
    assert not source.backup.name.endswith(".partial")
    assert sorted(path.name for path in source.backup.iterdir()) == [
        "MANIFEST",
        "db.dump",
        "migrations.txt",
        "private-files.tar",
    ]
    manifest = (source.backup / "MANIFEST").read_text()
    assert "FIELD_ENCRYPTION_KEYS" in manifest  # says the keys are not in it
    for name in ("db.dump", "private-files.tar", "migrations.txt"):
        assert f"  {name}\n" in manifest
    assert "clients.0001_initial" in (source.backup / "migrations.txt").read_text()
    # Personal data: the backup is its owner's alone.
    assert (source.backup.stat().st_mode & 0o077) == 0
    assert PASSWORD not in source.backup_output
    assert PASSWORD not in manifest


def test_it_restores_every_client_plan_file_and_encrypted_value(
    source: Source, target: Place
) -> None:
    result = target.run("scripts/restore.sh", str(source.backup))

    assert "Restored and verified" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    restored = target.snapshot()
    expected = source.snapshot
    # The comparison means something only if there is something to compare.
    assert len(expected["clients"]) >= 200
    assert sum(1 for client in expected["clients"] if client[3]) >= 100
    assert any(values for values in expected["encrypted"].values())
    ready = [plan for plan in expected["plans"] if plan[1] == "ready"]
    assert ready and all(plan[3] == plan[4] for plan in ready)
    assert restored == expected


def test_it_refuses_a_backup_whose_checksums_do_not_match(
    source: Source, target: Place, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(source.backup, tampered)
    with (tampered / "private-files.tar").open("r+b") as archive:
        archive.seek(1000)
        byte = archive.read(1)
        archive.seek(1000)
        archive.write(bytes([byte[0] ^ 0xFF]))

    result = target.run("scripts/restore.sh", str(tampered), check=False)

    assert result.returncode != 0
    assert "checksum mismatch" in result.stderr
    assert target.table_names() == set()
    assert not target.files.exists()


def test_it_refuses_a_database_that_is_not_empty(source: Source, target: Place) -> None:
    with psycopg.connect(_database_url(target.database)) as connection:
        connection.execute("CREATE TABLE someone_elses (id integer)")

    result = target.run("scripts/restore.sh", str(source.backup), check=False)

    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert target.table_names() == {"someone_elses"}


def test_it_refuses_a_files_directory_that_is_not_empty(source: Source, target: Place) -> None:
    target.files.mkdir()
    (target.files / "keep.txt").write_text("mine")

    result = target.run("scripts/restore.sh", str(source.backup), check=False)

    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert target.table_names() == set()
    assert [path.name for path in target.files.iterdir()] == ["keep.txt"]


def test_it_says_when_the_encryption_keys_cannot_read_the_restored_data(
    source: Source, target: Place
) -> None:
    other_key = Fernet.generate_key().decode()

    result = target.run(
        "scripts/restore.sh", str(source.backup), check=False, FIELD_ENCRYPTION_KEYS=other_key
    )

    assert result.returncode == 1
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr
    assert "do not decrypt" in result.stderr


def test_it_refuses_to_back_up_the_sqlite_default(tmp_path: Path) -> None:
    place = Place(database="unused", files=tmp_path / "files")

    result = place.run(
        "scripts/backup.sh",
        str(tmp_path / "backups"),
        check=False,
        DATABASE_URL="",
        VAR_DIR=str(tmp_path / "var"),
    )

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr
    assert list((tmp_path / "backups").iterdir()) == []
