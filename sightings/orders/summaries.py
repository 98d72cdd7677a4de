"""Each order's maintained sighting count and last-seen time, kept as sightings are delivered.

Lists of orders show both for every row; counting them from the sightings on every request scanned an order's
whole history (seconds at a year of data). They are written in the transaction that stores the sightings, so
they commit or roll back with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest

from sightings.models import Sighting, WantedOrder


def order_sightings_tally(sightings: Iterable[Sighting]) -> None:
    """Adds newly stored sightings to their orders' counts and last-seen times: one UPDATE per order.

    Called inside the delivering transaction after the ledger's chain lock is held, which already serialises
    deliveries; the orders are still updated in one fixed order so two writers can never wait on each other.
    """
    per_order: dict[Any, tuple[int, dt.datetime]] = {}
    for sighting in sightings:
        count, last = per_order.get(sighting.order_id, (0, sighting.seen_at))
        per_order[sighting.order_id] = (count + 1, max(last, sighting.seen_at))
    for order_id in sorted(per_order, key=str):
        count, last = per_order[order_id]
        WantedOrder.objects.filter(pk=order_id).update(
            sighting_count=F("sighting_count") + count,
            last_seen_at=Greatest(Coalesce("last_seen_at", Value(last)), Value(last)),
        )
