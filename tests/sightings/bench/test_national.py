"""The national benchmark's client side: batch sizes, answer kinds, and the keep-alive HTTP client."""

from __future__ import annotations

import asyncio

import pytest

from sightings.bench.national import HttpConnection, Tally, batch_sizes, closed_loop


def test_the_feed_batches_add_up_to_the_target_rate():
    sizes = batch_sizes(20_000, 229)
    assert sum(sizes) == 20_000 and max(sizes) - min(sizes) <= 1 and len(sizes) == 229


def test_answers_are_counted_by_kind_with_connection_errors_and_timeouts_apart():
    tally = Tally()
    for status in (202, 202, 429, 503, 500, 400, 0, -1):
        tally.record(status, b'{"accepted": 3}' if status == 202 else b"", 0.01)
    summary = tally.summary(1.0)
    assert summary["answers"] == {
        "2xx": 2,
        "429": 1,
        "503": 1,
        "5xx": 1,
        "4xx": 1,
        "connection_error": 1,
        "timeout": 1,
    }
    assert summary["accepted_reads"] == 6


def test_the_client_posts_only_to_loopback():
    with pytest.raises(ValueError, match="loopback"):
        HttpConnection("http://10.0.0.1:8000", timeout=1, connect_gate=None)


async def _request_read(reader: asyncio.StreamReader) -> None:
    """Reads one request (head and Content-Length body) off a test server's connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
    await reader.readexactly(length)


async def _closed_loop_against(serve, *, clients: int, seconds: float) -> dict:
    """closed_loop's summary against a test server answering with `serve`."""
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        return await closed_loop(
            f"http://127.0.0.1:{port}",
            clients=clients,
            seconds=seconds,
            request=lambda _: ("POST", "/api/v1/reads/", b"{}", "key"),
            timeout=5,
        )


def test_closed_loop_clients_keep_their_connections_and_read_both_body_framings():
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        answered = 0
        while True:
            await _request_read(reader)
            if answered % 2:  # every other answer chunked, as daphne sends a body of unknown length
                writer.write(
                    b'HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\nf\r\n{"accepted": 2}\r\n0\r\n\r\n'
                )
            else:
                writer.write(b'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"accepted": 2}')
            answered += 1
            await writer.drain()

    summary = asyncio.run(_closed_loop_against(serve, clients=3, seconds=0.3))
    assert summary["requests"] > 6 and summary["answers"]["2xx"] == summary["requests"]
    assert summary["accepted_reads"] == 2 * summary["requests"]
    assert connections == 3  # one keep-alive connection per client for the whole run


def test_closed_loop_clients_wait_as_long_as_retry_after_says():
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await _request_read(reader)
            writer.write(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()

    summary = asyncio.run(_closed_loop_against(serve, clients=2, seconds=1.5))
    # Each client: one refusal at once, one after a second, then the run is over: not hundreds of retries.
    assert summary["answers"]["503"] == summary["requests"] == 4
    assert summary["refusal_latency_ms"]["p99"] < 1000
