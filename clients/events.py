"""Events of client records, for the apps built on them to react to.

`clients` and `kyc` do not call the apps above them; they send these signals inside
the transaction of the change, and the apps that keep numbers derived from clients
(scoring) subscribe in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

# Sent with client_ids: the clients whose facts changed (a profile field, a referral,
# a policy, the KYC completeness, archiving). Receivers refresh what they derive
# from those clients, in the same transaction.
client_facts_changed = Signal()


# Sent with client after a client's profile was created or saved, before
# client_facts_changed: the apps that derive facts of their own from the profile (kyc:
# its completeness) store them first, so that scoring then reads them current.
client_profile_saved = Signal()


def facts_changed(*, client_ids: Iterable[int | None]) -> None:
    ids = frozenset(pk for pk in client_ids if pk is not None)
    if ids:
        client_facts_changed.send(sender=None, client_ids=ids)


# Sent with survivor and merged, inside the transaction of a merge (clients.services.
# client_merge), before the merged client is deleted. Each app that keeps rows of
# clients moves the merged client's rows to the survivor and returns what it moved,
# as {label: count}, for the merge's audit record. A row left behind would be
# deleted with the merged client; the merge refuses that instead.
clients_merging = Signal()

# Sent with survivor and merged before a merge is confirmed: each app answers what it
# would move, as {label: (rows of the merged client, rows the survivor has already)},
# so that the page can show it and warn when both clients have a map of their own.
clients_merge_preview = Signal()

# Sent with client_id and owner_id inside the transaction of an erasure, before the
# client is deleted. Apps that keep a client's id outside a relation (scoring's P100
# sign-off snapshots) remove it; rows related to the client cascade by themselves.
client_erasing = Signal()
