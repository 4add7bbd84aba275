"""Index the score rows that count referrals or policies (see ClientScore.Meta)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0003_clientscore_hot_updates")]

    operations = [
        migrations.AddIndex(
            model_name="clientscore",
            index=models.Index(
                condition=~models.Q(referrals=0) | ~models.Q(policies=0) | ~models.Q(premium=0),
                fields=["client"],
                name="clientscore_aggregates",
            ),
        ),
    ]
