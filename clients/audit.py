"""Change history of client records, recorded by django-auditlog.

Every change to a registered model writes a LogEntry with the actor (set by the
middleware from the logged-in user), the time and the before/after values. The
client id goes into additional_data so that a client's whole history is one query.
Higher apps register their own models the same way (kyc/audit.py), with
mask_sensitive. Sensitive values are masked completely: the history shows that they changed, never
what they were.
"""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django.db.models import Model

from clients import models

SENSITIVE_MASK = "••••••"


def mask_sensitive(value: str) -> str:
    # auditlog logs a missing value (the before of a new row) as the text "None".
    return SENSITIVE_MASK if value and value != "None" else ""


MASK = "clients.audit.mask_sensitive"


def audit_register(model: type[Model], *, exclude_fields: list[str], **options: Any) -> None:
    """Register a model with auditlog, recording only the row's own fields.

    On create and delete auditlog also records every reverse relation (the people of a
    client, the beneficiaries of a policy) as the text of an unevaluated manager,
    "kyc.PolicyBeneficiary.None", which the history would show. All models are loaded
    when the apps register (AppConfig.ready), so the reverse relations of higher apps
    are known here too.
    """
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    auditlog.register(model, exclude_fields=[*exclude_fields, *reverse], **options)


def register() -> None:
    audit_register(
        models.Client,
        exclude_fields=["id_number_index", "updated_at", "created_at"],
        mask_fields=["id_number_encrypted"],
        mask_callable=MASK,
        m2m_fields={"tags"},
    )
    # A merge is written once and never changed: its creation is the history entry.
    audit_register(models.ClientMerge, exclude_fields=["survivor"])
