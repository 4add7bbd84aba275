"""Erasure records keep no personal data (issue 13).

The free-text reason invited the client's name ("the form's own example invites a
name"): existing reasons are replaced by "other", since no text can be trusted to be
free of it, and each record gets a generated reference in place of anything that
names the client.
"""

import secrets

from django.db import migrations, models


def _references(apps, schema_editor):
    ClientErasure = apps.get_model("kyc", "ClientErasure")
    for erasure in ClientErasure.objects.all():
        erasure.reference = f"ER-{erasure.erased_at:%Y%m%d}-{secrets.token_hex(3).upper()}"
        erasure.reason = "other"
        erasure.save(update_fields=["reference", "reason"])


class Migration(migrations.Migration):
    dependencies = [("kyc", "0008_alter_existingpolicy_start_date_and_more")]

    operations = [
        migrations.AddField(
            model_name="clienterasure",
            name="reference",
            field=models.CharField(max_length=20, null=True, verbose_name="reference"),
        ),
        migrations.AddField(
            model_name="clienterasure",
            name="mentions_redacted",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="clienterasure",
            name="reference",
            field=models.CharField(max_length=20, unique=True, verbose_name="reference"),
        ),
        migrations.AlterField(
            model_name="clienterasure",
            name="reason",
            field=models.CharField(
                choices=[
                    ("request", "the client's request to delete (PIPL art. 47)"),
                    ("consent_withdrawn", "the client withdrew consent"),
                    ("purpose_ended", "the purpose was achieved or the retention period ended"),
                    ("created_in_error", "a record created in error or for testing"),
                    ("other", "other"),
                ],
                max_length=20,
                verbose_name="reason",
            ),
        ),
    ]
