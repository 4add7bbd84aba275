"""Change history of KYC data, recorded by django-auditlog like the client record.

Each KYC row logs its client id (ClientOwned.get_additional_data), so that the
client's History page and erasure find it in one query.
"""

from __future__ import annotations

from clients.audit import MASK, audit_register
from kyc import models


def register() -> None:
    audit_register(
        models.Person,
        exclude_fields=["updated_at", "created_at"],
        mask_fields=["health_notes"],
        mask_callable=MASK,
    )
    audit_register(
        models.Asset,
        exclude_fields=["updated_at", "created_at"],
        mask_fields=["account_details"],
        mask_callable=MASK,
    )
    for model in (
        models.PersonLink,
        models.Enterprise,
        models.Liability,
        models.IncomeSource,
        models.Household,
        models.Allocation,
        models.ExistingPolicy,
        models.PolicyBeneficiary,
        models.SensitiveConsent,
    ):
        audit_register(model, exclude_fields=["updated_at", "created_at"])
