"""The advisor answers the lead's P100 notes; the client list sorts and filters by score.

See P100Note.reply and the two ClientScore indexes in scoring/models.py.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0008_phone_validator"),
        ("scoring", "0005_rescore_paid_up_in_force"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="p100note",
            name="acknowledged_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="acknowledged at"),
        ),
        migrations.AddField(
            model_name="p100note",
            name="reply",
            field=models.CharField(blank=True, max_length=200, verbose_name="reply"),
        ),
        migrations.AddIndex(
            model_name="clientscore",
            index=models.Index(fields=["-score", "client"], name="clientscore_score"),
        ),
        migrations.AddIndex(
            model_name="clientscore",
            index=models.Index(fields=["tier", "-score", "client"], name="clientscore_tier_score"),
        ),
    ]
