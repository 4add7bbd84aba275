"""Leave room in each page of scoring_clientscore for updated rows.

Rescoring rewrites every row; with free space on the page PostgreSQL can keep the new
row version on the same page (a HOT update) whenever the indexed score is unchanged,
which skips the index writes. SQLite has no such setting.
"""

from django.db import migrations


def _run(statement):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run("ALTER TABLE scoring_clientscore SET (fillfactor = 70)"),
            _run("ALTER TABLE scoring_clientscore RESET (fillfactor)"),
        )
    ]
