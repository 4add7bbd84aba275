"""Rescore every client with the published rule set, synchronously, and report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from advisor_crm.accounts.models import Role, User
from scoring.models import RuleSetVersion, VersionStatus
from scoring.services import BATCH_SIZE, rescore_now


class Command(BaseCommand):
    help = "Rescore all clients with the published rule-set version (the same code as publishing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        version = (
            RuleSetVersion.objects.filter(status=VersionStatus.PUBLISHED)
            .order_by("-published_at")
            .first()
        )
        if version is None:
            raise CommandError(
                "No published rule set; publish one in /scoring/rules/ or run seed_demo."
            )
        user = (
            User.objects.filter(role=Role.ADMIN).first()
            or User.objects.filter(is_superuser=True).first()
        )
        if user is None:
            raise CommandError("No administrator to record as the requester.")
        job, seconds = rescore_now(version=version, user=user, batch_size=options["batch_size"])
        self.stdout.write(
            f"Rescored {job.done:,} rows with {version} in {seconds:.2f} s ({job.done / max(seconds, 1e-9):,.0f} rows/s)."
        )
