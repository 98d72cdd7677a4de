import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wassweb.settings")

app = Celery("wassweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The process that loaded the app: a prefork worker's parent; its children run with another pid.
_LOADED_IN_PID = os.getpid()


@signals.worker_process_init.connect
def worker_database_without_pool(**kwargs: object) -> None:
    """A prefork worker process uses one plain connection, not the web processes' pool.

    The child runs one task at a time, and Celery's Django fixup closes the pool around every task in prefork
    children, so a pool there would open DB_POOL_MIN_SIZE connections per task. The fixup also drops, at this
    same signal, whatever connection the child inherited; the child then connects on its own and keeps that
    connection for DB_CONN_MAX_AGE seconds (without it, every batch would open a new connection). A
    pool the parent may have made stays unused (closing it would close the parent's sockets). A worker that runs
    tasks in its own process (solo, threads; the tests' in-process worker) keeps its pool, which the fixup
    leaves open there, so the pool bounds its connections.
    """
    if os.getpid() == _LOADED_IN_PID:
        return
    from django.conf import settings
    from django.db import connections

    for connection in connections.all():
        if connection.settings_dict.get("OPTIONS", {}).pop("pool", None) is not None:
            connection.settings_dict["CONN_MAX_AGE"] = settings.DB_CONN_MAX_AGE
