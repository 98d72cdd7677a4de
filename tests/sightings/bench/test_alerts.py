"""The alert-latency benchmark's bookkeeping: latencies from accepted to received, and what was lost."""

from __future__ import annotations

import pytest

from sightings.bench.alerts import (
    Listeners,
    Probe,
    ProbeTrace,
    late_or_lost_lines,
    latency_summary,
    latency_svg,
    probes_complete,
    probes_wait,
)
from tests.sightings.footage.helpers import make_sighting


def _listeners(arrivals: dict[str, list[float]]) -> Listeners:
    listeners = Listeners.__new__(Listeners)  # no sockets, no loop: only the arrival record is needed
    listeners.arrivals = arrivals
    return listeners


def _trace(read_id: str, accepted: float, *sightings: str, stored: float | None = None) -> ProbeTrace:
    at = accepted + 0.005 if stored is None else stored
    return ProbeTrace(
        read_id=read_id, accepted=accepted, stored=dict.fromkeys(sightings, at), announced=dict.fromkeys(sightings, at)
    )


def test_it_measures_from_the_accepted_answer_and_counts_missing_frames_as_lost():
    traces = {"a": _trace("a", 100.0, "s1"), "b": _trace("b", 101.0, "s2")}
    listeners = _listeners(
        {"a": [("s1", 100.010), ("s1", 100.020), ("s1", 100.030)], "b": [("s2", 101.040), ("s2", 101.050)]}
    )
    summary = latency_summary(listeners, traces, clients=3)
    assert summary["probes_accepted"] == 2
    assert summary["frames_expected"] == 6
    assert summary["frames_received"] == 5
    assert summary["frames_lost"] == 1
    assert summary["latency_ms"]["p50"] == 30.0
    assert summary["latency_ms"]["max"] == 50.0
    # a: first client after 10 ms, last 20 ms later; b: first after 40 ms, last 10 ms later
    assert summary["first_frame_ms"]["p50"] == 40.0
    assert summary["first_to_last_client_ms"] == {"p50": 20.0, "p99": 20.0}


def test_it_draws_the_latency_histogram(tmp_path):
    result = {
        "loaded": {"latencies_ms": [5.0, 7.5, 12.0, 40.0]},
        "baseline_no_load": {"latencies_ms": [2.0, 3.0, 4.0]},
    }
    path = tmp_path / "alerts.svg"
    latency_svg(result, path)
    text = path.read_text()
    assert text.startswith("<svg") and "p99" in text


def test_a_read_matching_two_orders_is_two_frames_per_client():
    traces = {"a": _trace("a", 1.0, "s1", "s2")}
    listeners = _listeners({"a": [("s1", 1.01), ("s2", 1.02), ("s1", 1.03)]})
    summary = latency_summary(listeners, traces, clients=2)
    assert (summary["frames_expected"], summary["frames_received"], summary["frames_lost"]) == (4, 3, 1)


def test_a_probe_not_yet_stored_is_still_owed_not_expected_zero():
    # The 24-of-25 miscount: the last probe's hit was not stored yet when the wait looked, so nothing was owed.
    traces = {"a": _trace("a", 1.0, "s1"), "late": ProbeTrace(read_id="late", accepted=1.2)}
    listeners = _listeners({"a": [("s1", 1.01), ("s1", 1.02)]})
    assert not probes_complete(listeners, traces, clients=2)
    traces["late"].stored["s9"] = traces["late"].announced["s9"] = 1.3
    assert not probes_complete(listeners, traces, clients=2)  # stored, but its frames have not arrived
    listeners.arrivals["late"] = [("s9", 1.31), ("s9", 1.32)]
    assert probes_complete(listeners, traces, clients=2)


def test_an_accepted_probe_never_stored_is_a_lost_probe_named_with_its_timeline():
    traces = {"a": _trace("a", 1.0, "s1"), "gone": ProbeTrace(read_id="gone", accepted=2.0)}
    listeners = _listeners({"a": [("s1", 1.01), ("s1", 1.02)]})
    summary = latency_summary(listeners, traces, clients=2)
    assert (summary["probes_stored"], summary["probes_lost"]) == (1, 1)
    assert (summary["frames_expected"], summary["frames_lost"]) == (4, 2)
    [gone] = summary["late_or_lost_probes"]
    assert gone["read_id"] == "gone" and gone["lost"] and gone["stored_ms"] is None
    assert late_or_lost_lines([gone]) == [
        "LOST gone: stored never, announced never, first frame never, last frame never, frames 0/2"
    ]


def test_a_late_probe_is_named_with_where_its_time_went():
    trace = ProbeTrace(read_id="slow", accepted=10.0, stored={"s1": 10.1}, announced={"s1": 10.2})
    listeners = _listeners({"slow": [("s1", 10.3), ("s1", 10.9)]})
    summary = latency_summary(listeners, {"slow": trace}, clients=2)
    [slow] = summary["late_or_lost_probes"]
    assert (slow["stored_ms"], slow["announced_ms"], slow["first_frame_ms"], slow["last_frame_ms"]) == (
        100.0,
        200.0,
        300.0,
        900.0,
    )
    assert not slow["lost"] and summary["probes_lost"] == 0


@pytest.mark.django_db
def test_the_wait_records_when_each_probe_was_stored_and_announced(order, camera):
    stored = make_sighting(order, camera, photos=False)
    stored.stream_position = 7
    stored.save(update_fields=["stream_position"])
    listeners = _listeners({})
    probes = [
        Probe(read_id=str(stored.read_id), sent=1.0, accepted=1.0, status=202),
        Probe(read_id="00000000-0000-0000-0000-000000000001", sent=1.0, accepted=1.0, status=202),
        Probe(read_id="00000000-0000-0000-0000-000000000002", sent=1.0, accepted=None, status=503),
    ]
    traces = probes_wait(listeners, probes, clients=1, timeout=0)
    assert set(traces) == {str(stored.read_id), "00000000-0000-0000-0000-000000000001"}
    assert list(traces[str(stored.read_id)].stored) == [str(stored.id)]
    assert list(traces[str(stored.read_id)].announced) == [str(stored.id)]
    assert traces["00000000-0000-0000-0000-000000000001"].stored == {}
