"""Events of the household map, for the apps built on it.

kyc does not know what the apps above it derive from the map; after every change to
a KYC row it says which kind of row changed and for which client, inside the
change's transaction. A receiver connects for the models it cares about
(`kyc_rows_changed.connect(receiver, sender=ExistingPolicy)`).
"""

from __future__ import annotations

from django.db.models import Model
from django.dispatch import Signal

# Sent with sender=the model class and client_id.
kyc_rows_changed = Signal()


def rows_changed(*, client_id: int, model: type[Model]) -> None:
    kyc_rows_changed.send(sender=model, client_id=client_id)
