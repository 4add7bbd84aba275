"""Let rescoring rewrite scoring_clientscore with HOT updates.

A rescoring writes a new version of every row. PostgreSQL keeps that version on the
old row's page without touching any index (a HOT update) when no indexed column
changes and the page has room for it:

1. Half of each page stays free (fillfactor 50, was 70), so the new versions of all
   the rows of a page fit next to the old ones; at 70 only about half did, and the
   others moved to new pages with an entry in every index.
2. The version and owner columns lose their own indexes: publishing changes the
   version of every row, so its index made every update write index entries; the
   (owner, score) index already serves lookups by owner.

The fillfactor applies to pages written from now on; existing tables reach it as
rescorings rewrite them (or at once with VACUUM FULL). SQLite has no such setting.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _run(statement):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_clientscore_fillfactor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="clientscore",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="clientscore",
            name="version",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="scoring.rulesetversion",
            ),
        ),
        migrations.RunPython(
            _run("ALTER TABLE scoring_clientscore SET (fillfactor = 50)"),
            _run("ALTER TABLE scoring_clientscore SET (fillfactor = 70)"),
        ),
    ]
