"""Start-up and /healthz checks that the field-encryption keys read the stored data.

A wrong FIELD_ENCRYPTION_KEYS lets the site start, and then every page that shows an
ID number fails. The oldest and the newest stored values are tried: the newest shows
that the key in use is there, the oldest that a key being rotated out is still kept.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.core import checks
from django.db import DatabaseError

from clients import crypto


def unreadable_encrypted_values() -> list[int]:
    """Ids of the sampled clients whose ID number the configured keys cannot decrypt."""
    from clients.models import Client

    stored = Client.objects.exclude(id_number_encrypted="").values_list("pk", "id_number_encrypted")
    samples = {
        row[0]: row[1]
        for row in (stored.order_by("pk").first(), stored.order_by("-pk").first())
        if row
    }
    unreadable = []
    for pk, token in samples.items():
        try:
            crypto.decrypt(token)
        except (InvalidToken, ValueError):
            unreadable.append(pk)
    return unreadable


def encryption_health() -> dict[str, str]:
    """The /healthz part (registered in ClientsConfig.ready)."""
    if unreadable_encrypted_values():
        return {"status": "error", "error": "FIELD_ENCRYPTION_KEYS cannot decrypt stored data"}
    return {"status": "ok"}


@checks.register(checks.Tags.database)
def check_encryption_keys(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Run by `migrate` (the web container runs it before gunicorn starts) and by
    `check --database default`; Django runs database checks only when asked to."""
    if not databases:
        return []
    try:
        unreadable = unreadable_encrypted_values()
    except DatabaseError:
        # Before the first migration there is no table, and so nothing to read.
        return []
    if not unreadable:
        return []
    return [
        checks.Error(
            "FIELD_ENCRYPTION_KEYS cannot decrypt the ID numbers stored in the database.",
            hint=(
                "Set FIELD_ENCRYPTION_KEYS to the keys the data was encrypted with; when "
                "rotating, put the new key first and keep the old ones after it."
            ),
            id="clients.E001",
        )
    ]
