"""Scoring keeps itself current: it subscribes to the events of the apps below it.

Whatever changes a client's scoring fields sends an event in the change's
transaction: clients.events.client_facts_changed for the client record (the profile,
a referral, the KYC completeness, archiving, erasure), kyc.events.kyc_rows_changed
for a row of the map (scoring listens to policies only). The receivers rescore those
clients there, aggregates included, so the cached counts and the score never wait
for the next publish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clients import events as clients_events
from kyc import erasure
from kyc import events as kyc_events
from kyc.models import ExistingPolicy

logger = logging.getLogger(__name__)


def _score_refresh(client_ids: Iterable[int]) -> None:
    """Rescore the clients, without ever failing the save that changed them.

    The scoring runs in a savepoint: if it fails (a database error, a rule gone wrong),
    only its own writes roll back, the user's save goes on, and the error is logged;
    the next rescoring of the published version scores these clients.
    """
    from scoring.services import clients_score_refresh

    ids = sorted(set(client_ids))
    try:
        with transaction.atomic():
            clients_score_refresh(client_ids=ids)
    except Exception:
        logger.exception("Scoring clients %s on save failed; the next rescore scores them", ids)


def _on_facts_changed(*, client_ids: frozenset[int], **_kwargs: Any) -> None:
    _score_refresh(client_ids)


def _on_policies_changed(*, client_id: int, **_kwargs: Any) -> None:
    # Scoring counts the policies in force and sums their premiums (scoring/fields.py).
    _score_refresh([client_id])


def _on_client_erasing(*, client_id: int, **_kwargs: Any) -> None:
    """An erased client leaves no id in the P100 sign-offs' snapshots."""
    from scoring.models import P100Review

    # The text test narrows in the database; the exact test follows.
    reviews = P100Review.objects.filter(snapshot__icontains=str(client_id))
    for review in reviews.only("pk", "snapshot").iterator():
        if client_id in review.snapshot:
            kept = [pk for pk in review.snapshot if pk != client_id]
            P100Review.objects.filter(pk=review.pk).update(snapshot=kept)


def _reviews_of_owner(client: Any, _user: Any) -> Any:
    from scoring.models import P100Review

    return P100Review.objects.filter(advisor_id=client.owner_id)


def _review_describe(review: Any) -> str:
    return _("P100 sign-off of %(advisor)s, %(date)s") % {
        "advisor": review.advisor,
        "date": timezone.localtime(review.created_at).strftime("%Y-%m-%d"),
    }


def connect() -> None:
    from scoring.models import P100Review

    clients_events.client_erasing.connect(_on_client_erasing, dispatch_uid="scoring.erasing")
    # A lead's review comment is free text about the advisor's clients.
    erasure.mention_source_register(
        erasure.MentionSource(P100Review, ("comment",), _reviews_of_owner, _review_describe)
    )
    clients_events.clients_merging.connect(_on_clients_merging, dispatch_uid="scoring.merge")
    clients_events.client_facts_changed.connect(
        _on_facts_changed, dispatch_uid="scoring.facts_changed"
    )
    kyc_events.kyc_rows_changed.connect(
        _on_policies_changed, sender=ExistingPolicy, dispatch_uid="scoring.policies_changed"
    )


def _on_clients_merging(*, survivor: Any, merged: Any, **_kwargs: Any) -> dict[str, int]:
    """A merged client's score goes (the survivor is rescored after the merge); its
    score history and the lead's notes on it move to the survivor, unless a review
    already has a note on the survivor (that note stays, the duplicate's goes)."""
    from scoring.models import ClientScore, P100Note, ScoreHistory

    ClientScore.objects.filter(client=merged).delete()
    history = ScoreHistory.objects.filter(client=merged).update(client=survivor)
    reviewed = P100Note.objects.filter(client=survivor).values("review")
    dropped, _by_model = P100Note.objects.filter(client=merged, review__in=reviewed).delete()
    notes = P100Note.objects.filter(client=merged).update(client=survivor)
    return {
        gettext_noop("score history"): history,
        gettext_noop("P100 notes"): notes,
        gettext_noop("P100 notes of the same review dropped"): dropped,
    }
