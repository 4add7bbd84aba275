"""Rescore once with the published version, after the schema it needs is in place.

The step 0005 took (paid-up policies count as in force) runs the rescoring service,
which uses today's models: run before 0007's RescoreJob columns existed, it failed on
a database migrating from before 0005. It runs here instead, after the latest
migration of every app whose rows the rescoring reads or writes. A database that
already rescored in 0005 rescores once more, which changes nothing. If a later
migration changes those models again, this step must move after it (the migration
test, tests/kyc/test_migration.py, migrates a database from kyc 0001 and fails if not).
"""

import importlib

from django.db import migrations

_rescore = importlib.import_module("scoring.migrations.0005_rescore_paid_up_in_force").rescore


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0007_rescorejob_undo_publication"),
        ("kyc", "0008_alter_existingpolicy_start_date_and_more"),
        ("clients", "0011_alter_client_birth_date"),
        ("kms", "0006_repair_needs_overrides"),
    ]

    operations = [migrations.RunPython(_rescore, migrations.RunPython.noop)]
