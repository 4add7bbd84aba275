"""Bulk-generate realistic clients, fast enough for a million rows on PostgreSQL.

On PostgreSQL the rows go in through COPY with ids taken from the table's sequence
in advance (so tag links can be copied too); elsewhere through bulk_create.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from advisor_crm.accounts.models import Role, User
from clients import crypto
from clients.models import Client, Tag
from demo.clients import GeneratedClient, generate_clients

COLUMNS = (
    "id", "client_type", "name", "gender", "birth_date", "phone", "id_number_encrypted",
    "id_number_index", "city", "education", "industry", "occupation", "occupation_class",
    "annual_income", "wealth_stratum", "credit_status", "cvm_stage", "source", "notes",
    "owner_id", "created_at", "updated_at", "late_payments", "health_flag", "moral_hazard_flag",
    "kyc_completeness", "last_contact_at", "next_action",
)  # fmt: skip


class Command(BaseCommand):
    help = "Generate N realistic clients spread over the given (or all) advisors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--owners", nargs="*", help="usernames; default: every active advisor")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=20_000)

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        if count <= 0:
            raise CommandError("--count must be positive.")
        owners = User.objects.filter(is_active=True)
        owners = (
            owners.filter(username__in=options["owners"])
            if options["owners"]
            else owners.filter(role=Role.ADVISOR)
        )
        owner_ids = list(owners.order_by("pk").values_list("pk", flat=True))
        if not owner_ids:
            raise CommandError("No advisors to own the clients; run seed_demo first.")
        started = time.perf_counter()
        rows = generate_clients(count, seed=options["seed"], now=timezone.now())
        batch: list[GeneratedClient] = []
        done = 0
        for row in rows:
            batch.append(row)
            if len(batch) == options["batch_size"]:
                self._write(batch, owner_ids, done)
                done += len(batch)
                batch = []
                self.stdout.write(f"  {done:,} clients…")
        if batch:
            self._write(batch, owner_ids, done)
            done += len(batch)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE clients_client")
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {done:,} clients for {len(owner_ids)} advisors in {seconds:.1f} s "
                f"({done / seconds:,.0f} rows/s)."
            )
        )

    @transaction.atomic
    def _write(self, batch: list[GeneratedClient], owner_ids: list[int], offset: int) -> None:
        tags = self._tags({name for row in batch for name in row.tags})
        if connection.vendor == "postgresql":
            self._copy(batch, owner_ids, offset, tags)
            return
        clients = [
            self._client(row, owner_ids[(offset + i) % len(owner_ids)])
            for i, row in enumerate(batch)
        ]
        Client.objects.bulk_create(clients)
        self._link_tags((c.pk, row.tags) for c, row in zip(clients, batch, strict=True))

    def _tags(self, names: set[str]) -> dict[str, int]:
        Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
        return dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))

    def _client(self, row: GeneratedClient, owner_id: int) -> Client:
        client = Client(
            owner_id=owner_id,
            **{k: v for k, v in vars(row).items() if k not in {"id_number", "tags"}},
        )
        client.set_id_number(row.id_number)
        return client

    def _link_tags(self, links: Iterable[tuple[int, list[str]]]) -> None:
        tag_ids = dict(Tag.objects.values_list("name", "pk"))
        through = Client.tags.through
        through.objects.bulk_create(
            [through(client_id=pk, tag_id=tag_ids[name]) for pk, names in links for name in names]
        )

    def _copy(
        self, batch: list[GeneratedClient], owner_ids: list[int], offset: int, tags: dict[str, int]
    ) -> None:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('clients_client', 'id')) FROM generate_series(1, %s)",
                [len(batch)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            raw = cursor.connection  # the psycopg 3 connection, for COPY
            with raw.cursor() as copy_cursor:
                with copy_cursor.copy(
                    f"COPY clients_client ({', '.join(COLUMNS)}) FROM STDIN"
                ) as copy:
                    for i, (pk, row) in enumerate(zip(ids, batch, strict=True)):
                        encrypted = crypto.encrypt(row.id_number) if row.id_number else ""
                        index = crypto.blind_index(row.id_number) if row.id_number else ""
                        copy.write_row(
                            (
                                pk, row.client_type, row.name, row.gender, row.birth_date, row.phone,
                                encrypted, index, row.city, row.education, row.industry,
                                row.occupation, row.occupation_class, row.annual_income,
                                row.wealth_stratum, row.credit_status, row.cvm_stage, row.source,
                                row.notes, owner_ids[(offset + i) % len(owner_ids)], row.created_at, now,
                                row.late_payments, row.health_flag, row.moral_hazard_flag, 0,
                                row.last_contact_at, row.next_action,
                            )
                        )  # fmt: skip
                through_table = Client.tags.through._meta.db_table
                with copy_cursor.copy(
                    f"COPY {through_table} (client_id, tag_id) FROM STDIN"
                ) as copy:
                    for pk, row in zip(ids, batch, strict=True):
                        for name in row.tags:
                            copy.write_row((pk, tags[name]))
