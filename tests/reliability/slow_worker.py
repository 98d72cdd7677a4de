"""The Celery worker of the fault tests, able to hold each batch's transaction open for a while.

Run as `python -m tests.reliability.slow_worker <celery arguments>`. With BATCH_HOLD_MS set, every pool
process stores its batches slowly: after the sightings are inserted and before the transaction commits it
waits that long, a window in which a test kills the worker or drops its database connection. Without it this
is the plain `celery` command. The product code carries no such hook.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery.__main__ import main
from celery.signals import worker_process_init

HOLD_ENV = "BATCH_HOLD_MS"


@worker_process_init.connect
def _hold_batches_open(**_: Any) -> None:
    # Each prefork child sets Django up before this signal, so the ingest module can be patched here.
    hold_ms = int(os.environ.get(HOLD_ENV) or 0)
    if not hold_ms:
        return
    from sightings.reads import ingest

    inserted = ingest._inserted

    def inserted_slowly(candidates: Any) -> Any:
        time.sleep(hold_ms / 1000)
        return inserted(candidates)

    ingest._inserted = inserted_slowly


if __name__ == "__main__":
    main()
