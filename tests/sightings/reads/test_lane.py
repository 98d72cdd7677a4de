"""The reads lane (sightings/reads/lane.py): a plain batch answered without the middleware stack, exactly as the
stack answers it, and everything else handed to the stack, which answers and records it once."""

from __future__ import annotations

import asyncio
import json
from unittest import mock

import orjson
import pytest
from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIHandler
from django.utils import timezone

from accounts.models import ApiKey
from accounts.throttles import ApiKeyRateThrottle
from audit.models import AccessLogEntry, AccessTally
from audit.tallies import tallies_flush
from sightings.reads.lane import READS_PATH, ReadsLane
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import a_read

# The lane's threads have database connections of their own: what a test writes must be committed to be seen.
pytestmark = pytest.mark.django_db(transaction=True)


class Answer:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = {name.decode().lower(): value.decode("latin1") for name, value in headers}
        self.body = body

    def json(self):
        return orjson.loads(self.body)

    def headers_compared(self) -> dict:
        """The headers, with the CSP's directives as a set (their order is not stable between processes)."""
        headers = dict(self.headers)
        if "content-security-policy" in headers:
            headers["content-security-policy"] = {
                part.strip() for part in headers["content-security-policy"].split(";")
            }
        return headers


def asgi_post(app, body: bytes, *, headers: list[tuple[bytes, bytes]], chunks: int = 1, client=("127.0.0.1", 40000)):
    """POSTs the body to the ASGI application as daphne hands it over (in `chunks` messages)."""
    return asyncio.run(asgi_exchange(app, body, headers=headers, chunks=chunks, client=client))


async def asgi_exchange(app, body: bytes, *, headers, chunks: int = 1, client=("127.0.0.1", 40000)) -> Answer:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": READS_PATH,
        "raw_path": READS_PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode()), *headers],
        "client": client,
        "server": ("127.0.0.1", 8000),
    }
    size = max(1, -(-len(body) // chunks))
    messages = [
        {"type": "http.request", "body": body[start : start + size], "more_body": start + size < len(body)}
        for start in range(0, max(len(body), 1), size)
    ]
    sent: list[dict] = []
    answered = asyncio.Event()

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body_sent = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return Answer(start["status"], start["headers"], body_sent)


def key_headers(key: str, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"authorization", f"Bearer {key}".encode()), *extra]


def batch(*reads: dict) -> bytes:
    return json.dumps({"reads": list(reads)}).encode()


@pytest.fixture
def stack() -> ASGIHandler:
    return get_asgi_application()


@pytest.fixture
def lane(stack) -> ReadsLane:
    return ReadsLane(stack)


@pytest.fixture
def stack_never_called(monkeypatch):
    """Fails the test if the request reaches Django's stack (ASGIHandler.__call__)."""
    calls = []

    async def refuse(self, scope, receive, send):
        calls.append(scope["path"])
        raise AssertionError("the request went through the stack")

    monkeypatch.setattr(ASGIHandler, "__call__", refuse)
    return calls


def test_a_plain_batch_is_answered_in_the_lane_as_the_stack_answers_it(lane, stack, municipality, camera):
    key = integration_key_make(municipality=municipality)
    read = a_read(camera.code)
    wrong = a_read("no-such-camera")
    body = batch(read, wrong, read)

    through_stack = asgi_post(stack, body, headers=key_headers(key))
    with mock.patch.object(ASGIHandler, "__call__", side_effect=AssertionError("the stack was used")):
        through_lane = asgi_post(lane, batch(a_read(camera.code), wrong, read), headers=key_headers(key))

    assert through_stack.status == through_lane.status == 202
    assert through_stack.json() == {"accepted": 1, "duplicates": 1, "rejected": [mock.ANY]}
    # A new read is accepted, the one the stack took is a duplicate, the unknown camera is named the same way.
    assert through_lane.json() == {"accepted": 1, "duplicates": 1, "rejected": through_stack.json()["rejected"]}
    assert through_lane.headers_compared() == through_stack.headers_compared()


def test_the_lane_tells_the_language_as_the_stack_does(lane, stack, monkeypatch, municipality, camera):
    key = integration_key_make(municipality=municipality)
    for language in (b"ko", b"en"):
        headers = key_headers(key, (b"accept-language", language))
        through_stack = asgi_post(stack, batch(a_read(camera.code)), headers=headers)
        with mock.patch.object(ASGIHandler, "__call__", side_effect=AssertionError("the stack was used")):
            through_lane = asgi_post(lane, batch(a_read(camera.code)), headers=headers)
        assert (
            through_lane.headers["content-language"] == through_stack.headers["content-language"] == language.decode()
        )


def test_a_body_in_several_messages_is_read_whole(lane, stack_never_called, municipality, camera):
    key = integration_key_make(municipality=municipality)
    answer = asgi_post(lane, batch(*(a_read(camera.code) for _ in range(20))), headers=key_headers(key), chunks=7)
    assert answer.status == 202 and answer.json()["accepted"] == 20


def test_each_use_in_the_lane_is_counted_once_for_the_audit_trail(lane, municipality, camera):
    key = integration_key_make(municipality=municipality)
    for _ in range(3):
        assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 202
    tallies_flush(everything=True)
    assert AccessTally.objects.get(kind="key-use").count == 3


def test_a_revoked_key_goes_to_the_stack_and_is_refused_and_recorded_once(lane, municipality, camera):
    from accounts.services import api_key_cache_clear

    key = integration_key_make(municipality=municipality)
    assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 202
    ApiKey.objects.update(revoked_at=timezone.now())
    api_key_cache_clear()  # as KEY_CACHE_SECONDS passing does
    answer = asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key))
    assert answer.status == 401
    assert answer.json()["detail"] == "The API key is not valid, has expired or has been revoked."
    assert answer.headers["www-authenticate"] == 'Bearer realm="api"'
    assert AccessLogEntry.objects.filter(action="key", outcome="denied").count() == 1


def test_a_key_outside_its_networks_goes_to_the_stack(settings, lane, municipality, camera):
    settings.ALLOWED_NETWORKS = {**settings.ALLOWED_NETWORKS, "keys": ["10.30.0.0/16"]}
    key = integration_key_make(municipality=municipality)
    refused = asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key), client=("10.20.0.5", 1))
    assert refused.status == 403 and "network" in refused.json()["detail"]
    assert AccessLogEntry.objects.filter(outcome="denied").count() == 1
    admitted = asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key), client=("10.30.0.5", 1))
    assert admitted.status == 202


def test_a_forged_forwarded_address_does_not_open_the_lane(settings, lane, municipality, camera):
    settings.ALLOWED_NETWORKS = {**settings.ALLOWED_NETWORKS, "keys": ["10.30.0.0/16"]}
    settings.TRUSTED_PROXIES = []
    key = integration_key_make(municipality=municipality)
    forged = key_headers(key, (b"x-forwarded-for", b"10.30.0.5"))
    answer = asgi_post(lane, batch(a_read(camera.code)), headers=forged, client=("10.20.0.5", 1))
    assert answer.status == 403


def test_a_persons_key_and_no_key_go_to_the_stack(lane, officer, municipality, camera):
    from accounts.services import api_key_create

    personal = api_key_create(name="mine", user=officer, scope=ApiKey.Scope.API)[1]
    assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(personal)).status == 403
    no_key = asgi_post(lane, batch(a_read(camera.code)), headers=[(b"content-type", b"application/json")])
    assert no_key.status == 401


def test_a_throttled_key_gets_the_stacks_429_and_one_record(monkeypatch, lane, municipality, camera):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"reads": "2/min"})
    key = integration_key_make(municipality=municipality)
    statuses = [asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)) for _ in range(3)]
    assert [answer.status for answer in statuses] == [202, 202, 429]
    assert 0 < int(statuses[2].headers["retry-after"]) <= 60
    assert AccessLogEntry.objects.filter(action="throttled").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [(b"{not json", 400, "body"), (b'{"reads": 5}', 400, "reads"), (b'{"reads": []}', 400, "reads")],
)
def test_a_body_that_is_not_a_batch_gets_the_stacks_400_naming_the_field(lane, municipality, body, status, field):
    key = integration_key_make(municipality=municipality)
    answer = asgi_post(lane, body, headers=key_headers(key))
    assert answer.status == status
    assert field in answer.json()["errors"]


def test_a_body_over_the_limit_gets_413_from_the_stack(settings, lane, municipality, camera):
    settings.READS_MAX_BODY_BYTES = 2048
    key = integration_key_make(municipality=municipality)
    body = batch(*(a_read(camera.code) for _ in range(40)))
    assert len(body) > 2048
    assert asgi_post(lane, body, headers=key_headers(key), chunks=5).status == 413


def test_a_request_with_a_cookie_goes_through_the_stack(lane, municipality, camera):
    key = integration_key_make(municipality=municipality)
    with mock.patch.object(ReadsLane, "_answer", side_effect=AssertionError("the lane answered")):
        answer = asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key, (b"cookie", b"sessionid=x")))
    assert answer.status == 202


def test_an_unknown_host_and_plain_http_under_the_tls_redirect_go_to_the_stack(settings, municipality, camera):
    key = integration_key_make(municipality=municipality)
    settings.ALLOWED_HOSTS = ["wass.example"]
    assert (
        asgi_post(ReadsLane(get_asgi_application()), batch(a_read(camera.code)), headers=key_headers(key)).status == 400
    )
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = True
    lane = ReadsLane(get_asgi_application())  # the middleware read the setting when they are built
    redirected = asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key))
    assert redirected.status == 301 and redirected.headers["location"].startswith("https://")


def test_a_queue_that_is_down_gets_the_stacks_503_and_nothing_is_kept(lane, municipality, camera):
    from sightings.reads import ids

    key = integration_key_make(municipality=municipality)
    read = a_read(camera.code)
    with mock.patch("sightings.reads.api.reads_batch_queue", side_effect=ConnectionError("broker down")):
        answer = asgi_post(lane, batch(read), headers=key_headers(key))
    assert answer.status == 503 and answer.headers["retry-after"]
    # The read's id was released: the client's retry is accepted, not taken for a duplicate.
    assert ids.read_ids_claim(municipality_id=municipality.id, read_ids=[read["read_id"]]) == [True]


def test_the_lane_can_be_switched_off(settings, lane, municipality, camera):
    settings.READS_FAST_LANE = False
    key = integration_key_make(municipality=municipality)
    with mock.patch.object(ReadsLane, "_answer", side_effect=AssertionError("the lane answered")):
        assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 202


def test_the_project_application_serves_reads_through_the_lane(stack_never_called, municipality, camera):
    from wassweb.asgi import application

    key = integration_key_make(municipality=municipality)
    assert asgi_post(application, batch(a_read(camera.code)), headers=key_headers(key)).status == 202
    assert stack_never_called == []


def test_more_batches_waiting_than_the_backlog_get_a_fast_503_with_retry_after(settings, municipality, camera):
    import threading
    import time

    settings.READS_LANE_THREADS = 1
    settings.READS_LANE_BACKLOG = 2
    lane = ReadsLane(get_asgi_application())
    key = integration_key_make(municipality=municipality)
    release = threading.Event()
    answer = lane._answer

    def slow_answer(scope, body, queued_at):
        release.wait(10)  # the lane's one thread is busy until the refusals have gone out
        return answer(scope, body, queued_at)

    async def six_at_once():
        tasks = [
            asyncio.ensure_future(asgi_exchange(lane, batch(a_read(camera.code)), headers=key_headers(key)))
            for _ in range(6)
        ]
        started = time.monotonic()
        done, _ = await asyncio.wait(tasks, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        refused_after = time.monotonic() - started
        await asyncio.sleep(0.2)
        release.set()
        return await asyncio.gather(*tasks), refused_after

    with mock.patch.object(lane, "_answer", side_effect=slow_answer):
        answers, refused_after = asyncio.run(six_at_once())
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [202, 202, 503, 503, 503, 503]
    assert refused_after < 1
    busy = next(answer for answer in answers if answer.status == 503)
    assert busy.headers["retry-after"] == "1" and busy.json()["detail"] and busy.json()["errors"] == {}
    assert busy.headers["x-content-type-options"] == "nosniff"


def test_batches_are_refused_at_once_while_the_latest_waited_too_long(settings, municipality, camera):
    import threading

    settings.READS_LANE_THREADS = 1
    settings.READS_LANE_MAX_WAIT_MS = 50
    lane = ReadsLane(get_asgi_application())
    key = integration_key_make(municipality=municipality)
    answer = lane._answer
    first_started, release = threading.Event(), threading.Event()

    def slow_first(scope, body, queued_at):
        if not first_started.is_set():
            first_started.set()
            release.wait(10)
        return answer(scope, body, queued_at)

    def post():
        return asgi_exchange(lane, batch(a_read(camera.code)), headers=key_headers(key))

    async def second_waits_behind_the_first():
        first = asyncio.ensure_future(post())
        while not first_started.is_set():
            await asyncio.sleep(0.01)
        second = asyncio.ensure_future(post())
        await asyncio.sleep(0.2)
        release.set()
        return [(await first).status, (await second).status]

    with mock.patch.object(lane, "_answer", side_effect=slow_first):
        assert asyncio.run(second_waits_behind_the_first()) == [202, 202]
    assert lane._last_wait >= 0.15  # the second batch waited for the thread

    lane._waiting = 1  # another batch still waiting: the queue is not draining
    assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 503
    lane._waiting = 0  # drained: admitted again
    assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 202


def test_a_process_forked_after_the_lane_started_its_threads_starts_its_own(monkeypatch, lane, municipality, camera):
    import os

    key = integration_key_make(municipality=municipality)
    assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 202
    inherited = lane._pool()
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a child forked from this process
    assert lane._pool() is not inherited
    assert asgi_post(lane, batch(a_read(camera.code)), headers=key_headers(key)).status == 202
