"""One copy of a small table per process: loaded by one request when due, the old copy served meanwhile."""

from __future__ import annotations

import threading

import pytest

from wassweb import ttl_cache
from wassweb.ttl_cache import Snapshot


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ttl_cache, "monotonic", lambda: now[0])
    return now


def test_it_loads_once_per_time_to_live(clock):
    loads = []
    snapshot = Snapshot(lambda: loads.append(1) or len(loads))
    assert snapshot.get(seconds=5) == 1
    clock[0] += 4.9
    assert snapshot.get(seconds=5) == 1
    clock[0] += 0.1
    assert snapshot.get(seconds=5) == 2
    assert len(loads) == 2


def snapshot_whose_second_load_waits() -> tuple[Snapshot, threading.Event, threading.Event]:
    """Loads "first", then "second" once `release` is set; `started` tells the second load has begun."""
    started, release = threading.Event(), threading.Event()
    versions = iter(["first", "second"])

    def load():
        version = next(versions)
        if version == "second":
            started.set()
            release.wait(5)
        return version

    return Snapshot(load), started, release


def test_while_one_request_loads_the_others_use_the_copy_it_replaces(clock):
    snapshot, started, release = snapshot_whose_second_load_waits()
    assert snapshot.get(seconds=5) == "first"
    clock[0] += 6
    loader = threading.Thread(target=lambda: snapshot.get(seconds=5))
    loader.start()
    assert started.wait(5)
    assert snapshot.get(seconds=5) == "first"  # not kept waiting behind the load
    release.set()
    loader.join(5)
    assert snapshot.get(seconds=5) == "second"


def test_a_copy_older_than_twice_the_time_to_live_is_never_served(clock):
    snapshot, started, release = snapshot_whose_second_load_waits()
    snapshot.get(seconds=5)
    clock[0] += 10  # twice the time to live: too old to hand out while the next copy loads
    loader = threading.Thread(target=lambda: snapshot.get(seconds=5))
    loader.start()
    assert started.wait(5)
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(snapshot.get(seconds=5)))
    waiter.start()
    waiter.join(0.2)
    assert answers == []  # waits for the new copy rather than answer with the old one
    release.set()
    loader.join(5)
    waiter.join(5)
    assert answers == ["second"]


def test_no_time_to_live_means_no_copy(clock):
    snapshot = Snapshot(lambda: "loaded")
    assert snapshot.get(seconds=0) is None


def test_an_edit_changes_the_copy_at_once_and_a_clear_drops_it(clock):
    snapshot = Snapshot(lambda: {"a": 1, "b": 2})
    snapshot.get(seconds=5)
    snapshot.edit(lambda keys: {k: v for k, v in keys.items() if k != "a"})
    assert snapshot.get(seconds=5) == {"b": 2}
    snapshot.clear()
    assert snapshot.get(seconds=5) == {"a": 1, "b": 2}
