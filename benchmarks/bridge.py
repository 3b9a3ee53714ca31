"""Cost of the WebSocket bridge (issue 5): step round trip vs in-process, and broadcast rate.

    .venv/bin/python benchmarks/bridge.py [--steps 2000] [--observers 50]

1. The same LightningSim-v0 episode (seed topology, 10 payments per step, a
   fixed action cycle) stepped in-process and through ``lngym bridge`` (a
   separate process, as an agent would use it) by a blocking Python client on
   127.0.0.1; the overhead per step is the difference of the means. The
   controller also receives the step's broadcasts (10 ``transaction`` + 1
   ``channel_update``), so they are part of the round trip, as in real use.
2. Broadcast: ``--observers`` clients (one asyncio process) connected while
   a controller steps; the rate is the broadcasts the server published per
   second, and the messages delivered per second over all observers, with the
   number dropped for slow observers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import gymnasium as gym
from websockets.asyncio.client import connect as async_connect
from websockets.sync.client import connect

import lngym  # noqa: F401  (registers the ids)

ENV_ARGS = ("--env", "LightningSim-v0", "--payments-per-step", "10", "--max-episode-steps", "1000000")
BROADCASTS = ("transaction", "channel_update")


@contextmanager
def bridge_process() -> Iterator[str]:
    """``lngym bridge`` on a free port, stopped with SIGTERM afterwards."""
    process = subprocess.Popen([sys.executable, "-m", "lngym.cli.main", "bridge", "--port", "0", *ENV_ARGS],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        for line in process.stdout:
            found = re.search(r"ws://127\.0\.0\.1:\d+", line)
            if found:
                yield found.group(0)
                break
        else:
            raise SystemExit("lngym bridge exited before listening")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def in_process(steps: int) -> list[float]:
    """Seconds per step of the env called directly."""
    env = gym.make("LightningSim-v0", payments_per_step=10)
    env.unwrapped.config["max_episode_steps"] = 10**6
    env.reset(seed=1)
    times = []
    for i in range(steps):
        started = time.perf_counter()
        env.step(i % 37)
        times.append(time.perf_counter() - started)
    env.close()
    return times


def through_bridge(url: str, steps: int, events: bool) -> list[float]:
    """Seconds per step round trip: send ``step``, read until its ``step_result``.

    With ``events`` the controller also receives the step's broadcasts (the
    default for every client); without, it has sent ``subscribe`` with
    ``events: false`` and gets only its replies.
    """
    with connect(url, compression=None, max_size=None) as ws:
        ws.recv()  # hello
        for message in ({"type": "subscribe", "events": events}, {"type": "reset", "seed": 1}):
            ws.send(json.dumps(message))
            while json.loads(ws.recv())["type"] not in ("subscribed", "reset_result"):
                pass
        times = []
        for i in range(steps):
            started = time.perf_counter()
            ws.send(json.dumps({"type": "step", "action": i % 37}))
            while json.loads(ws.recv())["type"] != "step_result":
                pass
            times.append(time.perf_counter() - started)
    return times


async def broadcast_rate(url: str, observers: int, steps: int) -> dict[str, float]:
    """Broadcasts published/s and delivered/s while ``observers`` clients listen and a controller steps."""
    clients = [await async_connect(url, compression=None, max_queue=None) for _ in range(observers)]
    for ws in clients:
        await ws.recv()  # hello
    counts, dropped, last_seq = [0] * observers, [0] * observers, [0] * observers

    async def listen(i: int) -> None:
        # Only what the count needs is parsed (seq is a broadcast's last field), so that the
        # 50 observers in this one process measure the server's fan-out, not their own JSON parsing.
        async for frame in clients[i]:
            assert isinstance(frame, str)
            counts[i] += 1
            if frame.startswith('{"dropped"'):
                dropped[i] += json.loads(frame)["dropped"]
            last_seq[i] = int(frame[frame.rindex(":") + 1:-1])

    listeners = [asyncio.create_task(listen(i)) for i in range(observers)]
    final = 0
    async with async_connect(url, compression=None, max_queue=None) as controller:
        await controller.recv()
        started = time.perf_counter()
        for i in range(steps):
            await controller.send(json.dumps({"type": "step", "action": i % 37} if i else {"type": "reset"}))
            while True:
                reply = json.loads(await controller.recv())
                final = reply.get("seq", final)
                if reply["type"] in ("step_result", "reset_result"):
                    break
        while min(last_seq) < final:  # every observer has the last broadcast (or a later count of drops)
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - started
    for task in listeners:
        task.cancel()
    for ws in clients:
        await ws.close()
    first = final - max(counts) - max(dropped) + 1
    published = final - first + 1
    return {"published_per_s": published / elapsed, "delivered_per_s": sum(counts) / elapsed,
            "published": published, "dropped": sum(dropped), "elapsed_s": elapsed}


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[int(len(ordered) * 0.99)]
    return (f"mean {statistics.mean(times) * 1e6:,.0f} µs, median {statistics.median(times) * 1e6:,.0f} µs, "
            f"p99 {p99 * 1e6:,.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--observers", type=int, default=50)
    args = parser.parse_args()
    local = in_process(args.steps)
    with bridge_process() as url:
        with_events = through_bridge(url, args.steps, events=True)
        replies_only = through_bridge(url, args.steps, events=False)
        rate = asyncio.run(broadcast_rate(url, args.observers, args.steps // 4))
    base = statistics.mean(local)
    print(f"in-process step:                    {summary(local)}")
    for label, times in (("bridge, controller gets broadcasts", with_events), ("bridge, replies only (subscribe off)", replies_only)):
        overhead = statistics.mean(times) - base
        print(f"{label}: {summary(times)}; overhead {overhead * 1e6:,.0f} µs/step, "
              f"ratio {statistics.mean(times) / base:.2f}x (goal <= 1,000 µs)")
    print(f"broadcast to {args.observers} observers: {rate['published_per_s']:,.0f} messages/s published, "
          f"{rate['delivered_per_s']:,.0f} messages/s delivered in total, {rate['dropped']:,} dropped "
          f"({rate['published']:,} messages in {rate['elapsed_s']:.1f} s)")

if __name__ == "__main__":
    main()
