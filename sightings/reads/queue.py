"""Hands a checked batch of reads to the worker: one task message on the broker, sent before the 202.

`reads_batch_queue` returns only once the broker has accepted the message, so a batch answered 202 is never
lost (the worker acknowledges it late, after matching). It publishes through the app's process-wide producer
pool and skips what `Task.apply_async` adds for a caller that wants the task's result: an AsyncResult, whose
result-backend client Celery keeps per thread, and the ASGI handler runs each request in a thread of its own,
so every POST built a Redis client (and opened a connection) for a result the task never keeps.
"""

from __future__ import annotations

import datetime as dt

from sightings.tasks import reads_match_task


class QueuedBatch:
    """What Celery hands back for the message: its id; the task keeps no result to wait for."""

    __slots__ = ("id", "ignored")

    def __init__(self, task_id: str) -> None:
        self.id = task_id
        self.ignored = True


def reads_batch_queue(*, municipality_id: int, received_at: dt.datetime, reads: str, count: int) -> None:
    """Queues reads_match_task for the batch (reads: sightings.reads.parse.reads_encode); raises if the broker
    did not take it."""
    args = (municipality_id, received_at.isoformat(), reads)
    # What Celery logs and reports for the task instead of its arguments: no plate leaves here.
    argsrepr = f"(municipality {municipality_id}, {count} reads)"
    app = reads_match_task.app
    if app.conf.task_always_eager:
        # The embedded defaults and the tests run the task here, which only apply_async does.
        reads_match_task.apply_async(args=args, argsrepr=argsrepr)
        return
    app.send_task(reads_match_task.name, args=args, argsrepr=argsrepr, ignore_result=True, result_cls=QueuedBatch)
