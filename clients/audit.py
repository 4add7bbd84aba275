"""Change history of client records, recorded by django-auditlog.

Every change to a registered model writes a LogEntry with the actor (set by the
middleware from the logged-in user), the time and the before/after values. The
client id goes into additional_data so that a client's whole history is one query.
Higher apps register their own models the same way (kyc/audit.py), with
mask_sensitive. Sensitive values are masked completely: the history shows that they changed, never
what they were.
"""

from __future__ import annotations

from auditlog.registry import auditlog

from clients import models

SENSITIVE_MASK = "••••••"


def mask_sensitive(value: str) -> str:
    return SENSITIVE_MASK if value else ""


MASK = "clients.audit.mask_sensitive"


def register() -> None:
    auditlog.register(
        models.Client,
        exclude_fields=["id_number_index", "updated_at", "created_at"],
        mask_fields=["id_number_encrypted"],
        mask_callable=MASK,
        m2m_fields={"tags"},
    )
