from celery import shared_task

from wassweb.task_retry import DATABASE_RETRY


@shared_task(name="audit.chain_heads_publish", **DATABASE_RETRY)
def chain_heads_publish() -> dict[str, int]:
    """Beat: signs and publishes every chain's head (CHAIN_HEADS_PUBLISH_HOURS, daily by default)."""
    from audit.heads import chain_heads_publish as publish

    return {statement.chain: statement.entries for statement in publish()}


@shared_task(name="audit.tallies_flush", **DATABASE_RETRY)
def tallies_flush_task() -> int:
    """Beat: seals the access tallies of closed intervals (audit.tallies)."""
    from audit.tallies import tallies_flush

    return tallies_flush()
