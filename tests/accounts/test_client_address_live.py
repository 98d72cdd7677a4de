"""The client's address on the real web command of the Procfile, on a real socket: X-Forwarded-For is believed
only from TRUSTED_PROXIES, and then only its right-most untrusted hop (docs/OPERATIONS.md)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from audit import tallies
from audit.models import AccessLogEntry, AccessTally
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import a_read

pytestmark = pytest.mark.services

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SEPARATED = "10.20.0.0/16"
START_SECONDS = 60
REQUEST_SECONDS = 20
# The child's key-use counts stay in one interval, which the test then seals itself.
LONG_INTERVAL = 10**9


def procfile_web_command() -> str:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise AssertionError("the Procfile has no web process")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # the test database, which the child must share
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgresql://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _request(port: int, method: str, path: str, *, headers: dict[str, str], body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def procfile_web(settings, **extra_env: str) -> Iterator[int]:
    """Runs the Procfile's web line as the layout runs it (through a shell), answering on a free port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALLOWED_NETWORKS_", "TRUSTED_PROXIES"))}
    env.update(
        WASSWEB_MODE="test",
        SECRET_KEY="live-test-" + "k" * 50,
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        HOST="127.0.0.1",
        PORT=str(port),
        ACCESS_TALLY_INTERVAL_SECONDS=str(LONG_INTERVAL),
        **{f"ALLOWED_NETWORKS_{role}": SEPARATED for role in ("OFFICER", "OPERATOR", "AUDITOR", "ADMIN", "KEYS")},
        **extra_env,
    )
    process = subprocess.Popen(  # noqa: S603 - the project's own Procfile line
        ["/bin/sh", "-c", f"exec {procfile_web_command()}"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the web command exited: {process.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                if _request(port, "GET", "/health/", headers={})[0] in (200, 503):
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the web command did not answer within {START_SECONDS} s")
            time.sleep(0.2)  # polling for the child to listen, not timing a result
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        process.stderr.close()


def _reads(key: str) -> bytes:
    return json.dumps({"reads": [a_read()]}).encode()


@pytest.fixture
def centre_key(transactional_db, municipality, camera) -> str:
    return integration_key_make(municipality=municipality)


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_refused(settings, centre_key):
    forged = {"X-Forwarded-For": "10.20.5.5"}
    with procfile_web(settings) as port:
        assert _request(port, "GET", "/login/", headers=forged)[0] == 403
        status, _ = _request(
            port,
            "POST",
            "/api/v1/reads/",
            headers={**forged, "Authorization": f"Bearer {centre_key}", "Content-Type": "application/json"},
            body=_reads(centre_key),
        )
        assert status == 403
        # A bearer header does not open the sign-in page either.
        assert _request(port, "GET", "/login/", headers={**forged, "Authorization": "Bearer x"})[0] == 403
    refused = AccessLogEntry.objects.filter(outcome="denied")
    assert set(refused.values_list("ip", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(settings, centre_key):
    # The client wrote 10.20.9.9 itself; the proxy on 127.0.0.1 appended the peer it saw, 10.20.5.5.
    forwarded = {"X-Forwarded-For": "10.20.9.9, 10.20.5.5"}
    with procfile_web(settings, TRUSTED_PROXIES="127.0.0.1/32") as port:
        assert _request(port, "GET", "/login/", headers=forwarded)[0] == 200
        headers = {**forwarded, "Authorization": f"Bearer {centre_key}", "Content-Type": "application/json"}
        assert _request(port, "POST", "/api/v1/reads/", headers=headers, body=_reads(centre_key))[0] == 202
        unknown = {**headers, "Authorization": "Bearer wass_00000000_not-a-key"}
        assert _request(port, "POST", "/api/v1/reads/", headers=unknown, body=_reads(centre_key))[0] == 401
        # Outside the separated network, even through the trusted proxy: refused.
        outside = {**headers, "X-Forwarded-For": "10.20.9.9, 203.0.113.7"}
        assert _request(port, "POST", "/api/v1/reads/", headers=outside, body=_reads(centre_key))[0] == 403
    assert AccessLogEntry.objects.get(action="key", outcome="denied").ip == "10.20.5.5"
    assert AccessLogEntry.objects.get(action="key-network", outcome="denied").ip == "203.0.113.7"
    tallies.tallies_flush(everything=True)
    assert AccessTally.objects.get(kind="key-use").addresses == ["10.20.5.5"]
