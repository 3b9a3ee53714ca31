"""The bridge's outbound messages: what each one holds and how it is encoded.

Every message is one JSON object in one text frame with a ``type``. The seed's
``transaction`` and ``channel_update`` keep their exact shape (so a client
written for the Docker testnet works unchanged); lngym only adds fields. Node
names on the wire are the seed's (``lnd-alice``). Messages are built as dicts
and encoded once, so a broadcast to many clients costs one ``json.dumps``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from lngym import __version__
from lngym.network.base import NodeInfo, PaymentResult, Snapshot
from lngym.scenario import Scenario, wire_name

#: Bumped when a message changes incompatibly; sent in ``hello``.
PROTOCOL_VERSION = 1
#: Largest inbound text frame that is parsed; bigger ones get an ``error`` (still below the hard limit).
MAX_MESSAGE_BYTES = 64 * 1024
#: Frames above this are refused by the WebSocket layer itself (close code 1009).
HARD_FRAME_LIMIT = 1024 * 1024
#: The opt-in broadcast of an env's episode, step and reward (for observers such as the dashboard).
ENV_STEP = "env_step"


def _default(value: Any) -> Any:
    """JSON for the numpy values that observations and infos carry."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode(message: Mapping[str, Any]) -> bytes:
    """Compact JSON as UTF-8, ready for a text frame; NaN/inf are not JSON, so they are refused."""
    return json.dumps(message, default=_default, separators=(",", ":"), allow_nan=False).encode()


def error_message(code: str, reason: str, request_id: Any = None) -> dict[str, Any]:
    """``error``: a message that could not be taken, with a machine code and the reason in words."""
    message: dict[str, Any] = {"type": "error", "code": code, "error": reason}
    if request_id is not None:
        message["id"] = request_id
    return message


def transaction_message(result: PaymentResult) -> dict[str, Any]:
    """``transaction`` (the seed's): one payment or rebalance, ended."""
    return {
        "type": "transaction",
        "data": {
            "sender": wire_name(result.sender),
            "receiver": wire_name(result.receiver),
            "amount": result.amount_sat,
            "success": result.success,
            "description": result.description,
            "fee": result.fee_sat,
            "route": [wire_name(node) for node in result.route],
            "duration": round(result.duration_ms, 3),
            "failure_reason": result.failure_reason,
            "failure_detail": result.failure_detail,
            "attempts": result.attempts,
            "kind": result.kind,
            "timestamp": result.timestamp,
        },
    }


def env_step_message(episode: int, reward: float | None, terminated: bool, truncated: bool,
                     info: Mapping[str, Any]) -> dict[str, Any]:
    """``env_step``: what an observer needs of a reset (step 0, no reward) or a step, without the observation."""
    rebalances = [
        {**r, "from_node": wire_name(r["from_node"]), "to_node": wire_name(r["to_node"]),
         "route": [wire_name(node) for node in r["route"]]}
        for r in info.get("rebalances", [])
    ]
    return {
        "type": ENV_STEP,
        "episode": episode,
        "step": info.get("step", 0),
        "reward": reward,
        "terminated": terminated,
        "truncated": truncated,
        "success_rate": info.get("success_rate"),
        "payments": info.get("payments", 0),
        "successes": info.get("successes", 0),
        "rebalance_fee_sat": info.get("rebalance_fee_sat", 0.0),
        "rebalances": rebalances,
    }


def channel_update_message(snapshot: Snapshot, pubkeys: Mapping[str, str]) -> dict[str, Any]:
    """``channel_update`` (the seed's): every node's channels as that node sees them."""
    data: dict[str, list[dict[str, Any]]] = {wire_name(node): [] for node in pubkeys}
    for channel in snapshot.channels:
        for local, remote, local_sat, remote_sat in (
            (channel.a, channel.b, channel.balance_a_sat, channel.balance_b_sat),
            (channel.b, channel.a, channel.balance_b_sat, channel.balance_a_sat),
        ):
            data.setdefault(wire_name(local), []).append({
                "remote_pubkey": pubkeys.get(remote, ""),
                "capacity": channel.capacity_sat,
                "local_balance": local_sat,
                "remote_balance": remote_sat,
                "remote_node": wire_name(remote),
                "channel_id": channel.id,
                "channel_index": channel.index,
                "active": channel.active,
            })
    return {"type": "channel_update", "data": data}


def space_json(space: spaces.Space) -> dict[str, Any]:
    """A Gymnasium space as JSON, enough for a client in another language to build actions."""
    if isinstance(space, spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, spaces.Box):
        return {
            "type": "Box",
            "shape": list(space.shape),
            "dtype": str(space.dtype),
            "low": _bounds(space.low),
            "high": _bounds(space.high),
        }
    if isinstance(space, spaces.Dict):
        return {"type": "Dict", "spaces": {key: space_json(sub) for key, sub in space.spaces.items()}}
    raise TypeError(f"the bridge cannot describe a {type(space).__name__} space")


def _bounds(values: np.ndarray) -> Any:
    """One number when every bound is equal (the usual case), else the full list."""
    flat = values.reshape(-1)
    first = float(flat[0])
    if np.all(flat == first) and math.isfinite(first):
        return first
    return [float(v) if math.isfinite(v) else None for v in flat.tolist()]


def nodes_json(nodes: Iterable[NodeInfo]) -> list[dict[str, Any]]:
    """Nodes as ``hello`` lists them: wire name and pubkey."""
    return [{"name": wire_name(node.name), "pubkey": node.pubkey} for node in nodes]


def channels_json(scenario: Scenario) -> list[dict[str, Any]]:
    """Channels in scenario (= observation) order, with their ends and capacity."""
    return [
        {"index": i, "a": wire_name(spec.a), "b": wire_name(spec.b), "capacity": spec.capacity_sat}
        for i, spec in enumerate(scenario.channels)
    ]


def hello_message(
    mode: str,
    scenario: Scenario,
    nodes: Iterable[NodeInfo],
    settings: Mapping[str, Any],
    env_spaces: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``hello``: sent on connect, so a client learns the topology and spaces before anything else."""
    message: dict[str, Any] = {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "server": f"lngym {__version__}",
        "mode": mode,
        "scenario": scenario.name,
        "nodes": nodes_json(nodes),
        "channels": channels_json(scenario),
        "observation_space": None,
        "action_space": None,
    }
    if env_spaces is not None:
        message.update(env_spaces)
    message.update(settings)
    return message
