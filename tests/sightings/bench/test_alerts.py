"""The alert-latency benchmark's bookkeeping: latencies from accepted to received, and what was lost."""

from __future__ import annotations

from sightings.bench.alerts import Listeners, Probe, latency_summary, latency_svg


def _listeners(arrivals: dict[str, list[float]]) -> Listeners:
    listeners = Listeners.__new__(Listeners)  # no sockets, no loop: only the arrival record is needed
    listeners.arrivals = arrivals
    return listeners


def test_it_measures_from_the_accepted_answer_and_counts_missing_frames_as_lost():
    probes = [
        Probe(read_id="a", sent=99.9, accepted=100.0, status=202),
        Probe(read_id="b", sent=100.9, accepted=101.0, status=202),
        Probe(read_id="c", sent=101.9, accepted=None, status=503),  # refused: expects nothing
    ]
    listeners = _listeners(
        {"a": [("s1", 100.010), ("s1", 100.020), ("s1", 100.030)], "b": [("s2", 101.040), ("s2", 101.050)]}
    )
    summary = latency_summary(listeners, probes, clients=3, hits={"a": 1, "b": 1})
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
    probes = [Probe(read_id="a", sent=0.0, accepted=1.0, status=202)]
    listeners = _listeners({"a": [("s1", 1.01), ("s2", 1.02), ("s1", 1.03)]})
    summary = latency_summary(listeners, probes, clients=2, hits={"a": 2})
    assert (summary["frames_expected"], summary["frames_received"], summary["frames_lost"]) == (4, 3, 1)
