"""Broadcast to many observers: everyone gets everything in order; a stalled one costs nobody else."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

from bridge_support import BROADCASTS, env_bridge
from websockets.asyncio.client import ClientConnection, connect

STEPS = 20


async def request(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    """Send and return the reply, skipping the broadcasts this client also receives."""
    await ws.send(json.dumps(message))
    while True:
        reply = json.loads(await ws.recv())
        if reply["type"] not in BROADCASTS:
            return reply


async def run_episode(url: str, steps: int) -> None:
    async with connect(url, compression=None, max_queue=None) as controller:
        await controller.recv()  # hello
        assert (await request(controller, {"type": "reset", "seed": 5}))["type"] == "reset_result"
        for i in range(steps):
            reply = await request(controller, {"type": "step", "action": 1 + i % 36})
            assert reply["type"] == "step_result", reply


async def collect(ws: ClientConnection, last_seq: int) -> list[dict[str, Any]]:
    """Every broadcast up to and including ``last_seq``."""
    received = []
    while not received or received[-1]["seq"] < last_seq:
        message = json.loads(await ws.recv())
        if message["type"] in BROADCASTS:
            received.append(message)
    return received


def test_fifty_observers_receive_every_message_in_order() -> None:
    with env_bridge(payments_per_step=5, max_episode_steps=1000) as served:
        publisher = served.server.publisher

        async def scenario() -> list[list[dict[str, Any]]]:
            observers = [await connect(served.url, compression=None, max_queue=None) for _ in range(50)]
            for ws in observers:
                assert json.loads(await ws.recv())["type"] == "hello"
            await run_episode(served.url, STEPS)
            streams = await asyncio.gather(*(collect(ws, publisher.seq) for ws in observers))
            for ws in observers:
                await ws.close()
            return streams

        streams = asyncio.run(asyncio.wait_for(scenario(), 120))
    first = streams[0]
    assert [m["seq"] for m in first] == list(range(1, publisher.seq + 1))
    assert sum(m["type"] == "channel_update" for m in first) == STEPS + 1
    assert sum(m["type"] == "transaction" for m in first) >= STEPS * 5
    assert all(stream == first for stream in streams)
    assert not any("dropped" in m for m in first)


async def drain_until_quiet(ws: ClientConnection, quiet_s: float = 1.0) -> list[dict[str, Any]]:
    """Everything a client has waiting, until nothing arrives for ``quiet_s``."""
    received = []
    while True:
        try:
            received.append(json.loads(await asyncio.wait_for(ws.recv(), quiet_s)))
        except TimeoutError:
            return [m for m in received if m["type"] in BROADCASTS]


async def stalled_observer(url: str) -> ClientConnection:
    """An observer that stops reading at once: a tiny receive buffer and a one-frame client queue."""
    host, port = url.removeprefix("ws://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return await connect(url, sock=sock, compression=None, max_queue=1)


def test_stalled_observer_does_not_slow_the_controller_and_learns_what_it_missed() -> None:
    steps = 150  # on scale100 a channel_update is ~80 kB: far more than the kernel buffers hold
    with env_bridge(scenario="scale100", payments_per_step=10, max_episode_steps=10_000, queue_size=64) as served:
        publisher = served.server.publisher

        async def scenario() -> tuple[float, float, list[dict[str, Any]], int, int]:
            started = time.perf_counter()
            await run_episode(served.url, steps)
            alone = time.perf_counter() - started
            stalled = await stalled_observer(served.url)
            first_seq = publisher.seq + 1
            started = time.perf_counter()
            await run_episode(served.url, steps)
            with_stalled = time.perf_counter() - started
            dropped = sum(client.dropped_total for client in publisher.clients)
            messages = await drain_until_quiet(stalled)
            await run_episode(served.url, 0)  # one more broadcast, to carry the count of the last drops
            messages += await collect(stalled, publisher.seq)
            await stalled.close()
            return alone, with_stalled, messages, dropped, first_seq

        alone, with_stalled, messages, dropped, first_seq = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert dropped > 0, "the stalled observer's queue never filled; the test did not stall it"
    assert with_stalled < 2 * alone + 0.5, (alone, with_stalled)
    expected = [m for m in messages if m["seq"] >= first_seq]
    seq = expected[0]["seq"] - 1
    for message in expected:  # every gap in the sequence is announced by the next message
        assert message["seq"] == seq + 1 + message.get("dropped", 0)
        seq = message["seq"]
    assert sum(m.get("dropped", 0) for m in messages) == dropped
