from celery import shared_task

from wassweb.task_retry import DATABASE_ERRORS, DATABASE_RETRY


@shared_task(name="wassweb.health_ping")
def health_ping() -> str:
    """Answers from a worker, so health checks and tests can prove the broker round-trip."""
    return "pong"


# A batch that fails on the database is tried again (wassweb.task_retry); any other error is one read's own:
# sightings.reads.ingest.reads_match stores the others and counts that one.
READS_RETRYABLE_ERRORS = DATABASE_ERRORS


@shared_task(name="sightings.reads_match", ignore_result=True, **DATABASE_RETRY)
def reads_match_task(municipality_id: int, received_at: str, reads: str | list[list]) -> None:
    """One batch of plate reads from one municipality (a JSON list of Read fields): match, store hits, forget the rest.

    The reads travel as one JSON string, so the broker's serializer handles a string instead of a thousand lists;
    a list (a message queued by an earlier version) is taken as it is.
    """
    import datetime as dt

    import orjson

    from sightings.reads.ingest import reads_match
    from sightings.reads.parse import Read

    reads_match(
        municipality_id=municipality_id,
        received_at=dt.datetime.fromisoformat(received_at),
        reads=[Read(*read) for read in (orjson.loads(reads) if isinstance(reads, str) else reads)],
    )


@shared_task(name="sightings.alerts_announce_pending", **DATABASE_RETRY)
def alerts_announce_pending() -> int:
    """Beat: puts in the alert stream hits that were stored but never announced (their worker died in between)."""
    from sightings.live.alerts import sightings_announce_pending

    return sightings_announce_pending()


@shared_task(name="sightings.footage_escalate_urgent", **DATABASE_RETRY)
def footage_escalate_urgent() -> int:
    """Beat: flags urgent footage requests left undecided past FOOTAGE_URGENT_ESCALATE_MINUTES."""
    from sightings.footage.services import footage_requests_escalate

    return footage_requests_escalate()


@shared_task(name="sightings.footage_expire_access", **DATABASE_RETRY)
def footage_expire_access() -> int:
    """Beat: ends officers' access to approved footage once FOOTAGE_ACCESS_HOURS have passed."""
    from sightings.footage.services import footage_access_expire

    return footage_access_expire()


@shared_task(name="sightings.live_views_expire", **DATABASE_RETRY)
def live_views_expire() -> int:
    """Beat: closes live views whose approval ran out (with the ledger's closing entry) and lapses stale requests."""
    from sightings.live_views.services import live_views_expire as expire

    return expire()


@shared_task(name="sightings.footage_purge_files", **DATABASE_RETRY)
def footage_purge_files() -> int:
    """Beat: deletes footage files after FOOTAGE_RETENTION_DAYS; the ledger entries stay."""
    from sightings.footage.services import footage_files_purge

    return footage_files_purge()


@shared_task(name="sightings.orders_expire", **DATABASE_RETRY)
def orders_expire() -> int:
    """Beat: expires active orders past their expiry, each with an event, so the hotlist drops them."""
    from sightings.orders.services import orders_expire_due

    return orders_expire_due()


@shared_task(name="sightings.order_lookback_search", acks_late=True, **DATABASE_RETRY)
def order_lookback_search(order_id: str) -> int:
    """After an order is issued: turn its plate's buffered reads into retrospective sightings."""
    from sightings.orders.services import order_lookback_search as search

    return len(search(order_id=order_id))


@shared_task(name="sightings.lookback_maintain", **DATABASE_RETRY)
def lookback_maintain() -> dict[str, int]:
    """Beat: create the coming look-back partitions and drop (or delete) what has passed its retention."""
    from sightings.reads.lookback import lookback_maintain as maintain

    return maintain()


@shared_task(name="sightings.unit_positions_purge", **DATABASE_RETRY)
def unit_positions_purge() -> int:
    """Beat: forgets patrol units' positions older than UNIT_POSITION_MAX_AGE_SECONDS (no history is kept)."""
    from sightings.units.services import unit_positions_purge as purge

    return purge()
