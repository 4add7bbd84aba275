"""Trigram indexes for substring search on PostgreSQL.

Searching a name or phone by substring (LIKE '%...%') cannot use a B-tree index; on
PostgreSQL a pg_trgm GIN index on the same expressions Django generates serves it.
SQLite, the laptop default, has no such index type and small data, so the operation
does nothing there.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS client_name_trgm ON clients_client USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS client_phone_trgm ON clients_client USING gin (phone gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS client_phone_trgm",
    "DROP INDEX IF EXISTS client_name_trgm",
]


def _run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
