"""Swaps over the bridge: a step whose action is a swap, and bad swap actions refused with a clear error."""

from __future__ import annotations

import pytest
from bridge_support import Client, env_bridge

from lngym.bridge.validation import ProtocolError, Validator
from lngym.scenario import load_scenario

SWAP = {"node": "lnd-alice", "kind": "swap_in", "amount": 200_000, "channel": 0}


@pytest.fixture(scope="module")
def served():
    with env_bridge(scenario="merchants", payments_per_step=2, max_episode_steps=5) as running:
        yield running


def test_a_swap_action_is_carried_out_and_completes_with_the_blocks(served) -> None:
    client = Client(served.url)
    client.request({"type": "reset", "seed": 1})
    first = client.request({"type": "step", "action": SWAP})
    assert first["type"] == "step_result" and first["info"]["swaps_started"] == 1
    replies = [client.request({"type": "step", "action": 0}) for _ in range(2)]
    client.close()
    (swap,) = replies[-1]["info"]["swaps"]
    assert (swap["node"], swap["kind"], swap["success"]) == ("alice", "swap_in", True)
    assert swap["amount_sat"] == 250_000  # the discrete action nearest 200,000: a quarter of the channel


@pytest.mark.parametrize(("action", "code", "says"), [
    ({**SWAP, "node": "lnd-zed"}, "unknown_node", "unknown node 'lnd-zed'"),
    ({**SWAP, "node": "lnd-loop"}, "invalid_suggestion", "is the swap server"),
    ({**SWAP, "kind": "swap_sideways"}, "invalid_suggestion", "swap_in or swap_out"),
    ({**SWAP, "amount": 10_000}, "invalid_amount", "within the server's 50000 to 1000000"),
    ({**SWAP, "amount": 2_000_000}, "invalid_amount", "got 2000000"),
    ({**SWAP, "amount": "lots"}, "invalid_amount", "whole number of sat"),
    ({**SWAP, "channel": 2}, "no_channel", "alice has no channel 2"),
    ({**SWAP, "channel": 99}, "no_channel", "alice has no channel 99"),
    ({**SWAP, "fee": 1}, "invalid_suggestion", "unknown field 'fee'"),
])
def test_bad_swap_actions_are_refused_with_the_reason_and_change_nothing(served, action, code, says) -> None:
    client = Client(served.url)
    client.request({"type": "reset", "seed": 1})
    before = served.backend.network.wallet_balances(), served.backend.network.height()
    reply = client.request({"type": "step", "action": action})
    client.close()
    assert (reply["type"], reply["code"]) == ("error", code) and says in reply["error"], reply
    assert (served.backend.network.wallet_balances(), served.backend.network.height()) == before


def test_swap_suggestion_messages_are_checked_and_refused_where_there_is_no_server() -> None:
    merchants = Validator(load_scenario("merchants"), None)
    request = merchants.request({"type": "swap_suggestion", "suggestion": SWAP})
    assert (request.suggestion.node, request.suggestion.kind, request.suggestion.channel) == ("alice", "swap_in", 0)
    with pytest.raises(ProtocolError, match="no \\[swap\\] server"):
        Validator(load_scenario("seed"), None).request({"type": "swap_suggestion", "suggestion": SWAP})
    with pytest.raises(ProtocolError, match="needs a 'suggestion'"):
        merchants.request({"type": "swap_suggestion"})


def test_a_swap_suggestion_to_a_simulation_is_started_between_payments_and_answered() -> None:
    from bridge_support import relay_bridge, run_in_thread

    from lngym.network.sim import Sim
    from lngym.simulation import SimulationConfig

    network = Sim(load_scenario("merchants"))
    with relay_bridge(network, SimulationConfig(payments=4, concurrency=1, seed=3)) as served:
        client = Client(served.url)
        ack = client.request({"type": "swap_suggestion", "suggestion": SWAP, "id": "s"})
        poor = client.request({"type": "swap_suggestion", "suggestion": {**SWAP, "node": "lnd-carol", "channel": 2}})
        assert (ack["status"], poor["status"]) == ("queued", "queued")
        run_in_thread(served.extras["simulation"].run).join(timeout=30)
        results = [client.next_reply(), client.next_reply()]
        client.close()
    started, skipped = sorted(results, key=lambda r: r["number"])
    assert (started["status"], started["id"], started["suggestion"]) == ("started", "s", SWAP)
    assert skipped["status"] == "skipped" and "on-chain" in skipped["failure_reason"]
    assert network.pending_swaps()[0].node == "alice"
