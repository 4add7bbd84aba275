"""Existing deployments keep their data when the KYC models move from clients to kyc.

The test takes a PostgreSQL database holding the demo data back to the schema before
the move (clients 0006, kms 0004, no kyc app), reads every row of the KYC tables and
decrypts every encrypted value, migrates forward to today's schema and checks that
each row, each decrypted value and each audit entry is still there, under kyc.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from pytest_django import Settings

from clients import crypto
from clients.models import Client
from kyc.models import Asset, Person

MOVED = [
    "allocation", "asset", "clienterasure", "enterprise", "existingpolicy", "household",
    "incomesource", "liability", "person", "personlink", "policybeneficiary",
    "sensitiveconsent",
]  # fmt: skip
# The schema of the last release before the move.
BEFORE = [("clients", "0006_plan_download_access"), ("kms", "0004_proposal_people_restrict"), ("kyc", None)]  # fmt: skip
ENCRYPTED = [("person", "health_notes"), ("asset", "account_details")]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="the deployments run PostgreSQL"
    ),
]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def _latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def migrated_back_and_forth() -> Iterator[None]:
    try:
        yield
    finally:
        # Whatever happened, leave the database at today's schema for the next test.
        _migrate(_latest())


def _rows(table: str, columns: list[str] | None = None) -> list[tuple[Any, ...]]:
    selected = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {table} ORDER BY id")
        return list(cursor.fetchall())


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} LIMIT 0")
        return [column.name for column in cursor.description]


def _decrypted(table: str, column: str) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")
        return {pk: crypto.decrypt(value) for pk, value in cursor.fetchall()}


def _history(app_label: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ct.model, COUNT(*) FROM auditlog_logentry e "
            "JOIN django_content_type ct ON ct.id = e.content_type_id "
            "WHERE ct.app_label = %s GROUP BY ct.model",
            [app_label],
        )
        return dict(cursor.fetchall())


def test_it_keeps_every_row_and_encrypted_value_across_the_move(
    settings: Settings, migrated_back_and_forth: None
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    # Sensitive values of a kind the demo lacks: an account number of an overseas asset.
    zhao = Client.objects.get(name="赵立新")
    Asset.objects.create(
        client=zhao, category="real_estate", description="温哥华公寓", value=8_000_000,
        location="overseas", account_details="RBC 0042-7731", liquidity_days=180,
    )  # fmt: skip
    assert Person.objects.exclude(health_notes="").exists()
    encrypted_clients = _decrypted("clients_client", "id_number_encrypted")
    assert encrypted_clients

    _migrate(BEFORE)

    # A row written under the old schema itself, with its history, as the old code did.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO clients_person (client_id, relationship, name, gender, age, is_deceased,"
            " residence, nationality, marital_status, occupation, health_notes, cares_about,"
            " worries_about, must_provide_for, notes, created_at, updated_at)"
            " VALUES (%s, 'ex_spouse', '前妻林芳', 'female', 50, false, 'overseas', 'domestic',"
            " 'divorced', '', %s, false, true, false, '', now(), now()) RETURNING id",
            [zhao.pk, crypto.encrypt("乳腺癌术后五年")],
        )
        (old_person,) = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'clients' AND model = 'person'"
        )
        (old_type,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_id, object_repr,"
            " action, changes, changes_text, timestamp, additional_data, serialized_data)"
            " VALUES (%s, %s, %s, '前妻林芳', 0, '{}', '', now(), %s, NULL)",
            [old_type, str(old_person), old_person, f'{{"client_id": {zhao.pk}}}'],
        )

    before = {model: _rows(f"clients_{model}") for model in MOVED}
    before_columns = {model: _columns(f"clients_{model}") for model in MOVED}
    before_secrets = {
        (model, column): _decrypted(f"clients_{model}", column) for model, column in ENCRYPTED
    }
    before_history = _history("clients")
    assert all(before[model] for model in MOVED if model != "clienterasure"), "demo data"
    assert before_secrets[("asset", "account_details")]
    assert before_secrets[("person", "health_notes")]
    assert set(before_history) >= {"person", "asset", "existingpolicy", "client"}

    _migrate(_latest())

    for model in MOVED:
        # Later migrations may add columns (kyc 0005: an allocation's lump sum); the
        # move keeps every old column with its values.
        columns = before_columns[model]
        assert set(columns) <= set(_columns(f"kyc_{model}")), model
        assert _rows(f"kyc_{model}", columns) == before[model], model
    for (model, column), values in before_secrets.items():
        assert _decrypted(f"kyc_{model}", column) == values
    assert _decrypted("clients_client", "id_number_encrypted") == encrypted_clients
    # Through the models too: the ORM decrypts what the old schema held.
    for pk, notes in before_secrets[("person", "health_notes")].items():
        assert Person.objects.get(pk=pk).health_notes == notes
    assert Person.objects.get(pk=old_person).health_notes == "乳腺癌术后五年"
    # The history stays attached to the moved models (the History page reads it).
    after_history = _history("kyc")
    assert after_history == {m: n for m, n in before_history.items() if m in MOVED}
    assert _history("clients") == {m: n for m, n in before_history.items() if m not in MOVED}
    person_type = ContentType.objects.get_for_model(Person)
    assert LogEntry.objects.filter(content_type=person_type).count() == before_history["person"]
    # And the rows still behave: the moved tables accept new rows with fresh ids.
    Person.objects.create(
        client=zhao, relationship="friend", name="新朋友", birth_date=dt.date(1990, 1, 1)
    )


def test_it_repairs_the_pre_filled_one_day_to_cash(migrated_back_and_forth: None) -> None:
    from tests.factories import make_client, make_user

    client = make_client(owner=make_user())
    _migrate([("kyc", "0002_tables_renamed")])
    rows = {"equity": 1, "real_estate": 1, "deposit": 1, "stocks": 2}
    with connection.cursor() as cursor:
        for category, days in rows.items():
            cursor.execute(
                "INSERT INTO kyc_asset (client_id, category, description, value, holding, marital,"
                " location, liquidity_days, account_details, notes, created_at, updated_at)"
                " VALUES (%s, %s, %s, 1000000, 'family', 'marital_common', 'domestic', %s, '', '',"
                " now(), now())",
                [client.pk, category, category, days],
            )

    _migrate(_latest())

    stored = dict(Asset.objects.filter(client=client).values_list("category", "liquidity_days"))
    # Equity and property saved with the pre-filled 1 get their usual numbers; a deposit's
    # 1 is its usual number, and a value someone typed (2) stays.
    assert stored == {"equity": 365, "real_estate": 180, "deposit": 1, "stocks": 2}
