"""Delivering stored hits to the police: the one way a new sighting, live or found in the look-back buffer, goes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from django.db import transaction

from audit.services import ledger_record_locations
from sightings.hits.references import disclosure_references
from sightings.live.alerts import sightings_announce_stored
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
    # The announcement builds its payload from the order and camera the ledger entry was written from, as this
    # transaction read them, instead of reading the hits back after the commit.
    announced = list(sightings)
    for sighting in announced:
        sighting.order = orders[str(sighting.order_id)]
        sighting.camera = cameras[str(sighting.camera_id)]
    transaction.on_commit(lambda: sightings_announce_stored(announced))
