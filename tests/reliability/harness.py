"""Real processes for the fault-injection tests: a private Redis, daphne and Celery workers on the test database.

Every process is a child of the test, started with the environment a production machine would give it
(WASSWEB_MODE=test only relaxes sign-in and secrets), pointed at the pytest test database and at a Redis
server of its own on a free port, so killing or restarting anything never touches the machine's services.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


STACK_APPLICATION_NAME = "wassweb-fault-stack"


def test_database_url() -> str:
    """The URL of the database pytest-django created for this run (test_<name>), for child processes."""
    params = connection.settings_dict
    credentials = quote(params["USER"] or "", safe="")
    if params.get("PASSWORD"):
        credentials += ":" + quote(params["PASSWORD"], safe="")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    # Named, so a fault test can drop exactly the stack's connections and not the test process's own.
    return f"postgres://{credentials}@{host}:{port}/{params['NAME']}?application_name={STACK_APPLICATION_NAME}"


class Process:
    """One child process in its own session, so a SIGKILL reaches it and every process it forked."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own binaries
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: no clean-up, no acknowledgement, as a crash or power loss."""
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(10)

    def stop(self) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Stack:
    """A private Redis, a daphne and Celery workers, all on the test database; torn down by the fixture."""

    def __init__(self, log_dir: Path, **extra_env: str) -> None:
        self.log_dir = log_dir
        self.redis_port = free_port()
        self.redis_dir = log_dir / "redis"
        self.redis_dir.mkdir(exist_ok=True)
        self.web_port = free_port()
        self.redis: Process | None = None
        self.web: Process | None = None
        self.workers: list[Process] = []
        self.env = {
            **os.environ,
            "WASSWEB_MODE": "test",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # A killed worker's batch is back in the queue after this many seconds (production: minutes).
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_RESTORE_INTERVAL": "1",
            "READS_RATE_LIMIT": "100000/min",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.web_port}/ws/alerts/"

    def start_redis(self) -> None:
        # Every write reaches the append-only file before Redis answers, as docs/OPERATIONS.md asks of
        # production: a queued batch or a claimed read id survives a crash of Redis.
        self.redis = Process(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.redis_dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            env=self.env,
            log_dir=self.log_dir,
        )
        wait_until(lambda: _port_open(self.redis_port), timeout=10, what="redis-server")

    def start_web(self) -> None:
        self.web = Process(
            "daphne",
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.web_port), "wassweb.asgi:application"],
            env=self.env,
            log_dir=self.log_dir,
        )
        wait_until(lambda: _port_open(self.web_port) or not self.web.alive(), timeout=60, what="daphne", interval=0.2)
        assert self.web.alive(), self.web.output()

    def start_worker(self) -> Process:
        worker = Process(
            f"worker{len(self.workers)}",
            [
                # The celery command, able to hold batches open for the tests that ask (BATCH_HOLD_MS).
                str(BIN / "python"),
                "-m",
                "tests.reliability.slow_worker",
                "-A",
                "wassweb",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"reliability{len(self.workers)}@%h",
            ],
            env=self.env,
            log_dir=self.log_dir,
        )
        self.workers.append(worker)
        wait_until(
            lambda: " ready." in worker.output() or not worker.alive(), timeout=60, what="the worker", interval=0.2
        )
        assert worker.alive(), worker.output()
        return worker

    def stop(self) -> None:
        for process in [*self.workers, self.web, self.redis]:
            if process is not None:
                process.stop()

    def logs(self) -> str:
        parts = []
        for process in [*self.workers, self.web, self.redis]:
            if process is not None:
                parts.append(f"----- {process.name} -----\n{process.output()[-4000:]}")
        return "\n".join(parts)


@dataclass
class Poster:
    """Posts batches like a centre's platform: a 503 or a refused connection is sent again, unchanged."""

    url: str
    key: str
    outcomes: Counter = field(default_factory=Counter)

    def post(self, reads: list[dict], *, give_up_after: float = 60.0) -> dict:
        body = json.dumps({"reads": reads}).encode()
        deadline = time.monotonic() + give_up_after
        while True:
            request = urllib.request.Request(  # noqa: S310 - the test's own server
                f"{self.url}/api/v1/reads/",
                data=body,
                headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - the test's own server
                    self.outcomes[response.status] += 1
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                self.outcomes[error.code] += 1
                # Only "try again" answers are retried; anything else (a 500 above all) fails the test.
                assert error.code == 503, f"{error.code}: {error.read()[:500]!r}"
                assert error.headers.get("Retry-After"), "a 503 says when to try again"
            except (urllib.error.URLError, ConnectionError) as error:
                self.outcomes[type(error).__name__] += 1
            assert time.monotonic() < deadline, f"the reads API did not accept the batch: {self.outcomes}"
            time.sleep(0.2)


class AlertListener:
    """A machine client on /ws/alerts/ in a thread; on any disconnect it reconnects and resumes after its last hit."""

    def __init__(self, ws_url: str, key: str) -> None:
        self.ws_url, self.key = ws_url, key
        self.received: list[str] = []  # sighting ids in the order frames arrived, repeats kept
        self.connections = 0
        self.errors: list[str] = []  # connections that failed or broke (expected while a service is down)
        self.protocol_errors: list[dict] = []  # error frames from the server (never expected)
        self._last: tuple[int, str] | None = None  # (seq, id) of the furthest hit seen
        self._socket = None
        self._stop = threading.Event()
        self._resumed = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> AlertListener:
        self._thread.start()
        wait_until(self._resumed.is_set, timeout=30, what="the alert socket")
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with connect(
                    self.ws_url, additional_headers={"Authorization": f"Bearer {self.key}"}, open_timeout=5
                ) as socket_:
                    self._socket = socket_
                    self.connections += 1
                    if self._last is None:
                        socket_.send(json.dumps({"type": "ping"}))
                    else:
                        socket_.send(json.dumps({"type": "resume", "after": self._last[1]}))
                    while not self._stop.is_set():
                        try:
                            frame = json.loads(socket_.recv(timeout=0.5))
                        except TimeoutError:
                            continue
                        self._take(frame)
            except (OSError, WebSocketException) as error:
                self.errors.append(f"{type(error).__name__}: {error}")
            self._socket = None
            if not self._stop.is_set():
                time.sleep(0.2)

    def _take(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind in ("pong", "resumed"):
            self._resumed.set()
        elif kind == "sighting":
            with self._lock:
                self.received.append(frame["id"])
                if self._last is None or frame["seq"] > self._last[0]:
                    self._last = (frame["seq"], frame["id"])
        elif kind == "error":
            self.protocol_errors.append(frame)

    def drop(self) -> None:
        """Cuts the connection from the client's side, as a browser losing its network would."""
        socket_ = self._socket
        self._resumed.clear()
        if socket_ is not None:
            socket_.close()
        wait_until(lambda: self._socket is not socket_, timeout=10, what="the socket to close")
        wait_until(self._resumed.is_set, timeout=30, what="the socket to reconnect and resume")

    def stop(self) -> None:
        self._stop.set()
        socket_ = self._socket
        if socket_ is not None:
            socket_.close()
        self._thread.join(10)

    def ids(self) -> list[str]:
        with self._lock:
            return list(self.received)
