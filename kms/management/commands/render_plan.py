"""Render a client's plan PDF synchronously, as the worker would, and copy it out."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kms import plan_services
from kms.models import KmsCase, PlanStatus, plan_storage


class Command(BaseCommand):
    help = (
        "Generate a new numbered plan of the client's latest KMS case, render it now "
        "and copy the PDF to --output (e.g. render_plan 赵立新 --output zhao.pdf)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="the client's name (or id)")
        parser.add_argument("--output", type=Path, help="where to copy the PDF")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["client"]
        cases = KmsCase.objects.select_related("client__owner").order_by("-version")
        lookup = {"client_id": int(key)} if key.isdigit() else {"client__name": key}
        case = cases.filter(**lookup).first()
        if case is None:
            raise CommandError(f"No KMS case for client {key!r}.")
        try:
            document = plan_services.plan_request(case=case, user=case.client.owner)
        except plan_services.PlanNotReady as refusal:
            raise CommandError(f"The case is not complete: {refusal}") from refusal
        # Without a broker the request already rendered it in-process; with one, this
        # renders now and the queued job later finds the plan ready.
        rendered = plan_services.plan_render(document_id=document.pk)
        if rendered is None or rendered.status != PlanStatus.READY:
            raise CommandError(f"Rendering failed: {rendered.error if rendered else 'gone'}")
        source = Path(plan_storage().path(rendered.file.name))
        self.stdout.write(
            f"{case.client.name}: plan v{rendered.number}, {rendered.page_count} pages, "
            f"{rendered.byte_size or 0:,} bytes, rendered in {rendered.render_ms} ms -> {source}"
        )
        if options["output"]:
            shutil.copyfile(source, options["output"])
            self.stdout.write(f"copied to {options['output']}")
