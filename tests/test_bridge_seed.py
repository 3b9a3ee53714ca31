"""The seed's three WebSocket messages, byte for byte, over real sockets (the seed flow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bridge_support import Client, relay_bridge, run_in_thread

from lngym.network.base import ChannelState, PaymentResult, Snapshot
from lngym.network.sim import Sim
from lngym.scenario import load_scenario
from lngym.simulation import SimulationConfig

AGENT = Path(__file__).resolve().parent.parent / "examples" / "ws_agent.py"

# The three examples of the seed README's "Data Format" section, verbatim.
SEED_TRANSACTION = """{
  "type": "transaction",
  "data": {
    "sender": "lnd-alice",
    "receiver": "lnd-bob",
    "amount": 1000,
    "success": true,
    "description": "Coffee purchase"
  }
}"""

SEED_CHANNEL_UPDATE = """{
  "type": "channel_update",
  "data": {
    "lnd-alice": [
      {
        "remote_pubkey": "02b115e8f3...",
        "capacity": 1000000,
        "local_balance": 590000,
        "remote_balance": 406530
      }
    ]
  }
}"""

SEED_SUGGESTION = """{
  "type": "rebalance_suggestion",
  "suggestion": {
    "from_node": "lnd-alice",
    "to_node": "lnd-bob",
    "amount": 200000,
    "confidence": 0.85
  }
}"""


def project(ours: Any, seed: Any) -> Any:
    """Our message cut down to the seed's fields (lists to the seed's length), for a byte comparison."""
    if isinstance(seed, dict):
        assert isinstance(ours, dict), ours
        return {key: project(ours[key], value) for key, value in seed.items()}
    if isinstance(seed, list):
        assert isinstance(ours, list) and len(ours) >= len(seed), ours
        return [project(o, s) for o, s in zip(ours, seed)]
    return ours


def as_seed_text(message: dict[str, Any], seed_text: str) -> str:
    return json.dumps(project(message, json.loads(seed_text)), indent=2)


def test_transaction_reaches_a_seed_client_byte_for_byte() -> None:
    with relay_bridge(Sim(load_scenario("seed"))) as served:
        client = Client(served.url)
        served.backend.on_result(PaymentResult("alice", "bob", 1000, True, fee_msat=1000,
                                               route=("alice", "bob"), description="Coffee purchase"))
        message = json.loads(client.ws.recv(timeout=10))
        client.close()
    assert as_seed_text(message, SEED_TRANSACTION) == SEED_TRANSACTION
    assert message["data"]["fee"] == 1.0 and message["data"]["route"] == ["lnd-alice", "lnd-bob"]
    assert {"duration", "failure_reason"} <= set(message["data"])


def test_channel_update_reaches_a_seed_client_byte_for_byte() -> None:
    with relay_bridge(Sim(load_scenario("seed"))) as served:
        client = Client(served.url)
        served.backend.pubkeys["bob"] = "02b115e8f3..."
        others = served.backend.network.snapshot().channels[1:]
        served.backend.on_snapshot(Snapshot((ChannelState(0, "c0", "alice", "bob", 1_000_000, 590_000, 406_530, True),
                                             *others)))
        message = json.loads(client.ws.recv(timeout=10))
        client.close()
    assert as_seed_text(message, SEED_CHANNEL_UPDATE) == SEED_CHANNEL_UPDATE
    bob_side = message["data"]["lnd-bob"][0]
    assert (bob_side["local_balance"], bob_side["remote_balance"], bob_side["remote_node"]) == (406_530, 590_000, "lnd-alice")
    assert sorted(message["data"]) == ["lnd-alice", "lnd-bob", "lnd-carol", "lnd-dave", "lnd-eve"]


def test_seed_suggestion_is_queued_applied_between_payments_and_answered() -> None:
    network = Sim(load_scenario("seed"))
    with relay_bridge(network, SimulationConfig(payments=4, concurrency=1, seed=3)) as served:
        client = Client(served.url)
        assert client.hello["mode"] == "simulate" and client.hello["min_confidence"] == 0.5
        ack = client.request(SEED_SUGGESTION)
        assert (ack["type"], ack["status"], ack["position"]) == ("suggestion_ack", "queued", 1)
        run_in_thread(served.extras["simulation"].run).join(timeout=30)
        result = client.next_reply()
        client.close()
    assert result["type"] == "suggestion_result" and result["status"] == "applied", result
    assert result["suggestion"] == json.loads(SEED_SUGGESTION)["suggestion"]
    moved = result["balances_before"]["lnd-alice"] - result["balances_after"]["lnd-alice"]
    assert 200_000 <= moved == result["balances_after"]["lnd-bob"] - result["balances_before"]["lnd-bob"]
    assert moved - 200_000 <= result["fee"] and result["amount_moved"] == 200_000
    kinds = [m["data"]["kind"] for m in client.broadcasts if m["type"] == "transaction"]
    assert kinds[:1] == ["payment"] and "rebalance" in kinds  # applied after the first batch, not before


def test_low_confidence_suggestion_is_ignored_with_a_reason_and_nothing_applied() -> None:
    network = Sim(load_scenario("seed"))
    with relay_bridge(network, SimulationConfig(payments=2, concurrency=1, seed=3), min_confidence=0.9) as served:
        client = Client(served.url)
        ack = client.request(SEED_SUGGESTION)
        run_in_thread(served.extras["simulation"].run).join(timeout=30)
        assert client.request({"type": "spaces"})["type"] == "spaces"
        client.close()
    assert ack["status"] == "ignored" and "below the bridge's minimum 0.9" in ack["reason"]
    assert not [m for m in client.broadcasts if m["type"] == "transaction" and m["data"]["kind"] == "rebalance"]


def test_python_agent_model_suggests_for_the_most_imbalanced_channel() -> None:
    network = Sim(load_scenario("seed"))
    config = SimulationConfig(payments=400, rate=100, concurrency=1, seed=5)
    with relay_bridge(network, config) as served:
        runner = run_in_thread(served.extras["simulation"].run)
        agent = subprocess.run([sys.executable, str(AGENT), "--url", served.url, "--threshold", "0.02", "--results", "1"],
                               capture_output=True, text=True, timeout=60, check=False)
        served.extras["simulation"].stop()
        runner.join(timeout=30)
    assert agent.returncode == 0, agent.stderr
    result = json.loads(agent.stdout.strip().splitlines()[-1])
    suggestion = result["suggestion"]
    assert result["type"] == "suggestion_result" and suggestion["amount"] > 0
    # confidence = 2 × (share − 0.5) of the side it pushes from, when it decided: past the 2 % threshold
    assert 0.04 <= suggestion["confidence"] <= 1.0 and suggestion["amount"] <= 500_000
