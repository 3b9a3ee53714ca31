"""A Python model in the seed's flow: listen to a simulation, send rebalancing suggestions back.

    lngym simulate --bridge --duration 60 --rate 5     # one terminal
    python examples/ws_agent.py                         # another

It reads ``channel_update`` messages (every node's channels, after every batch
of payments) and, when a channel holds more than ``--threshold`` away from an
even split, suggests moving the surplus back, with a confidence that grows with
the imbalance. One suggestion is in flight at a time: the next is sent once the
bridge has said what happened to the last. ``--suggest FROM TO AMOUNT`` sends
exactly that one suggestion instead (the seed README's example is
``--suggest lnd-alice lnd-bob 200000``). Each ``suggestion_result`` is printed
to stdout as one JSON line; everything else goes to stderr. Needs only the
``websockets`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:6789")
    parser.add_argument("--token", default=os.environ.get("LNGYM_BRIDGE_TOKEN"))
    parser.add_argument("--threshold", type=float, default=0.2, help="imbalance that triggers a suggestion")
    parser.add_argument("--suggest", nargs=3, metavar=("FROM", "TO", "AMOUNT"), help="send this one suggestion")
    parser.add_argument("--confidence", type=float, default=0.85, help="confidence of --suggest")
    parser.add_argument("--results", type=int, default=0, help="exit after this many suggestion results (0: never)")
    parser.add_argument("--connect-timeout", type=float, default=30.0, help="keep retrying the connection this long")
    return parser.parse_args(argv)


def most_imbalanced(update: dict[str, list[dict[str, Any]]], threshold: float) -> dict[str, Any] | None:
    """The seed-format suggestion for the channel furthest from an even split, if past the threshold."""
    best: dict[str, Any] | None = None
    worst = threshold
    for node, channels in update.items():
        for channel in channels:
            share = channel["local_balance"] / channel["capacity"]
            if share - 0.5 > worst:  # this node holds the surplus: it pushes the excess out
                worst = share - 0.5
                best = {"from_node": node, "to_node": channel["remote_node"],
                        "amount": channel["local_balance"] - channel["capacity"] // 2,
                        "confidence": round(min(1.0, 2 * worst), 3)}
    return best


async def open_connection(args: argparse.Namespace) -> ClientConnection:
    """Connect, retrying while the bridge is not listening yet (the simulator may still be starting)."""
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else None
    deadline = time.monotonic() + args.connect_timeout
    while True:
        try:
            return await connect(args.url, additional_headers=headers, compression=None)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def run(args: argparse.Namespace) -> int:
    websocket = await open_connection(args)
    results, in_flight, sent_fixed = 0, False, False
    async for frame in websocket:
        message = json.loads(frame)
        kind = message["type"]
        if kind == "hello":
            print(f"connected to {message['server']} ({message['mode']}), scenario {message['scenario']}", file=sys.stderr)
        elif kind == "channel_update" and not in_flight:
            if args.suggest:
                if sent_fixed:
                    continue
                source, sink, amount = args.suggest
                suggestion = {"from_node": source, "to_node": sink, "amount": int(amount), "confidence": args.confidence}
                sent_fixed = True
            else:
                suggestion = most_imbalanced(message["data"], args.threshold)
            if suggestion is not None:
                await websocket.send(json.dumps({"type": "rebalance_suggestion", "suggestion": suggestion}))
                in_flight = True
        elif kind == "suggestion_ack":
            print(f"suggestion {message['status']}: {message.get('reason', message['suggestion'])}", file=sys.stderr)
            in_flight = message["status"] == "queued"
        elif kind == "suggestion_result":
            print(json.dumps(message), flush=True)
            in_flight = False
            results += 1
            if args.results and results >= args.results:
                break
        elif kind == "error":
            print(f"bridge error {message['code']}: {message['error']}", file=sys.stderr)
            in_flight = False
    await websocket.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args())))
