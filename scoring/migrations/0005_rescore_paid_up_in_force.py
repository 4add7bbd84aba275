"""Paid-up policies are in force (kyc.models.IN_FORCE_STATUSES): rescore once.

Until now scoring counted only policies with the status in_force; the detectors and
the legal rules also counted paid-up ones. With one meaning for all three, the cached
policy counts and premiums of clients holding a paid-up policy change, and with them
their scores. Rescoring here, with the published version, makes every cached number
agree with the new meaning at once, instead of client by client as they are edited.
A database without a published version (a new one) has nothing to rescore.

The rescoring runs the service with today's models, so it must run after every
migration those models need: it moved to 0008 (rescore_after_schema) when 0007 added
columns to RescoreJob. This step stays, doing nothing, for databases that applied it.
"""

from django.db import migrations


def rescore(apps, schema_editor):
    """Kept for 0008 to import; this migration no longer calls it."""
    version_model = apps.get_model("scoring", "RuleSetVersion")
    published = (
        version_model.objects.filter(status="published").order_by("-published_at").first()
    )
    if published is None:
        return
    # The rescoring itself is the service's (set-based, batched); imported here, not
    # at module level, so that a new database never loads it.
    from scoring.models import RuleSetVersion
    from scoring.services import rescore_now

    version = RuleSetVersion.objects.get(pk=published.pk)
    rescore_now(version=version, user=version.created_by)


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0004_clientscore_aggregates_index"),
        ("kyc", "0002_tables_renamed"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
