"""Scoring keeps itself current: it subscribes to the events of the apps below it.

Whatever changes a client's scoring fields (the profile, a referral, a policy, the
KYC completeness, archiving, erasure) sends clients.events.client_facts_changed in
the change's transaction; the receiver rescores those clients there, aggregates
included, so the cached counts and the score never wait for the next publish.
"""

from __future__ import annotations

from typing import Any

from clients import events


def _on_facts_changed(*, client_ids: frozenset[int], **_kwargs: Any) -> None:
    from scoring.services import client_score_refresh

    for client_id in sorted(client_ids):
        client_score_refresh(client_id=client_id)


def connect() -> None:
    events.client_facts_changed.connect(_on_facts_changed, dispatch_uid="scoring.facts_changed")
