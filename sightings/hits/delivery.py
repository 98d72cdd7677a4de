"""Delivering stored hits to the police: the one way a new sighting, live or found in the look-back buffer, goes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from django.db import transaction

from audit.services import ledger_record_locations
from sightings.hits.references import disclosure_references
from sightings.live.alerts import sightings_announce
from sightings.models import Sighting
from sightings.orders.summaries import order_sightings_tally


def sightings_deliver(
    *, sightings: Sequence[Sighting], file_hashes: Mapping[UUID, Sequence[tuple[str, str]]] | None = None
) -> None:
    """Writes one ledger entry per sighting in the caller's transaction, then announces them once it commits.

    Each hit delivered is a provision of location information (PIPA 18(2)), so the entry commits or rolls back
    with the sighting; the announcement waits for the commit, so nobody is alerted to a hit that was not kept.
    file_hashes maps a sighting id to the photos sent with it.
    """
    if not sightings:
        return
    orders, cameras = disclosure_references(sightings)
    ledger_record_locations(sightings=sightings, orders=orders, cameras=cameras, file_hashes=file_hashes)
    order_sightings_tally(sightings)
    ids = [sighting.id for sighting in sightings]
    transaction.on_commit(lambda: sightings_announce(ids))
