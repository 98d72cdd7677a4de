"""The process's local fan-out: how it hands one message to many sockets."""

from __future__ import annotations

import asyncio

from sightings.live.consumers import _LocalFanout


class _Socket:
    def __init__(self) -> None:
        self.local_inbox: asyncio.Queue = asyncio.Queue()


class _OneMessageLayer:
    """A channel layer that delivers one message to the fan-out's channel, then nothing more."""

    def __init__(self, message: dict) -> None:
        self.messages: asyncio.Queue = asyncio.Queue()
        self.messages.put_nowait(message)

    async def receive(self, channel: str) -> dict:
        return await self.messages.get()


def test_sockets_are_woken_a_batch_at_a_time_so_the_first_frames_leave_early():
    """The loop writes what sockets sent only between its turns: waking every socket in one turn would make the
    first client wait for the frames of all the others."""

    async def scenario() -> tuple[list[int], list[dict]]:
        sockets = [_Socket() for _ in range(3 * _LocalFanout.HANDOVER_BATCH + 1)]
        message = {"type": "sighting.alert", "group": "alerts.officers"}
        fanout = _LocalFanout(_OneMessageLayer(message))
        fanout.channel = "fanout"
        fanout.members = {"alerts.officers": set(sockets)}
        pump = asyncio.ensure_future(fanout._pump())
        handed_over_at_each_turn = []
        while (handed := sum(socket.local_inbox.qsize() for socket in sockets)) < len(sockets):
            handed_over_at_each_turn.append(handed)
            await asyncio.sleep(0)
        pump.cancel()
        return handed_over_at_each_turn, [socket.local_inbox.get_nowait() for socket in sockets]

    turns, received = asyncio.run(scenario())
    batch = _LocalFanout.HANDOVER_BATCH
    assert [handed for handed in turns if handed] == [batch, 2 * batch, 3 * batch]
    assert all(message["type"] == "sighting.alert" for message in received)


def test_a_message_reaches_every_socket_before_the_next_is_handed_over():
    """Batches must not let a later hit overtake an earlier one at any socket."""

    async def scenario() -> list[list[int]]:
        sockets = [_Socket() for _ in range(2 * _LocalFanout.HANDOVER_BATCH + 3)]
        layer = _OneMessageLayer({"type": "sighting.alert", "group": "g", "seq": 1})
        layer.messages.put_nowait({"type": "sighting.alert", "group": "g", "seq": 2})
        fanout = _LocalFanout(layer)
        fanout.channel = "fanout"
        fanout.members = {"g": set(sockets)}
        pump = asyncio.ensure_future(fanout._pump())
        while sum(socket.local_inbox.qsize() for socket in sockets) < 2 * len(sockets):
            await asyncio.sleep(0)
        pump.cancel()
        return [[socket.local_inbox.get_nowait()["seq"] for _ in range(2)] for socket in sockets]

    assert all(order == [1, 2] for order in asyncio.run(scenario()))
