"""What the disclosure ledger records about delivered sightings, loaded by sightings for audit.

audit.services.ledger_record_locations takes the orders and cameras as maps rather than reading sightings'
tables itself (audit does not import sightings); this builds them in two queries for any number of sightings.
"""

from __future__ import annotations

from collections.abc import Iterable

from sightings.models import Camera, Sighting, WantedOrder


def disclosure_references(sightings: Iterable[Sighting]) -> tuple[dict[str, WantedOrder], dict[str, Camera]]:
    """(orders, cameras) keyed by id as text: each order with its agency, each camera with its municipality
    and province, as a location entry names them."""
    sightings = list(sightings)
    if not sightings:
        return {}, {}
    orders = WantedOrder.objects.select_related("agency").in_bulk({sighting.order_id for sighting in sightings})
    cameras = Camera.objects.select_related("municipality__province").in_bulk(
        {sighting.camera_id for sighting in sightings}
    )
    return (
        {str(pk): order for pk, order in orders.items()},
        {str(pk): camera for pk, camera in cameras.items()},
    )
