"""Hostile input: thousands of malformed messages, each answered with an error, nothing changed.

A message that changed anything would show: the env publishes a ``transaction``
or ``channel_update`` for every payment, rebalance and step, so the fuzzing
client must receive nothing but ``error`` replies; and the episode must go on
afterwards exactly as the same episode does in-process.
"""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym
import numpy as np
from bridge_support import Client, env_bridge, relay_bridge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lngym  # noqa: F401  (registers the ids)
from lngym.network.sim import Sim
from lngym.scenario import load_scenario
from lngym.simulation import SimulationConfig

NAMES = ["alice", "bob", "carol", "dave", "eve"]
CHANNELS = [("alice", "bob"), ("bob", "carol"), ("carol", "dave"), ("dave", "eve"), ("eve", "alice"), ("bob", "dave")]
NO_CHANNEL = [("alice", "carol"), ("alice", "dave"), ("bob", "eve"), ("carol", "eve"), ("alice", "alice")]
CAPACITY = 1_000_000
ACTIONS = 37

wire = st.sampled_from(["", "lnd-"]).map(lambda prefix: lambda name: prefix + name)
pair = st.tuples(wire, st.sampled_from(CHANNELS)).map(lambda t: (t[0](t[1][0]), t[0](t[1][1])))
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
json_value = st.recursive(json_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                          max_leaves=6)
not_int = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=8), st.lists(st.integers(), max_size=2))
bad_amount = st.one_of(st.integers(max_value=0), st.integers(min_value=CAPACITY + 1), not_int)
unknown_node = st.text(max_size=12).filter(lambda s: s.removeprefix("lnd-") not in NAMES)
bad_confidence = st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.000001), st.text(max_size=4), st.booleans(), st.lists(st.integers(), max_size=1))


def suggestion(source: str, sink: str, amount: Any, **extra: Any) -> dict[str, Any]:
    return {"from_node": source, "to_node": sink, "amount": amount, **extra}


bad_suggestion = st.one_of(
    st.builds(lambda p, a: suggestion(*p, a), pair, bad_amount),
    st.builds(lambda n, p: suggestion(n, p[1], 1000), unknown_node, pair),
    st.builds(lambda p, n: suggestion(p[0], n, 1000), pair, unknown_node),
    st.builds(lambda p: suggestion(*p, 1000), st.sampled_from(NO_CHANNEL)),
    st.builds(lambda p, c: suggestion(*p, 1000, confidence=c), pair, bad_confidence),
    st.builds(lambda p, k: suggestion(*p, 1000, **{k: 1}), pair, st.text(min_size=1, max_size=6).filter(
        lambda k: k not in {"from_node", "to_node", "amount", "confidence"})),
    st.builds(lambda p: {"from_node": p[0], "amount": 1000}, pair),
    json_scalar, st.lists(json_scalar, max_size=3),
)
def is_valid_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < ACTIONS


# A bad suggestion can be any JSON scalar, including an integer that is a valid action index.
bad_action = st.one_of(st.integers(max_value=-1), st.integers(min_value=ACTIONS), not_int,
                       bad_suggestion.filter(lambda s: not is_valid_index(s)))
bad_seed = st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63), st.floats(allow_nan=False), st.text(max_size=5),
                     st.booleans(), st.lists(st.integers(), max_size=2))
bad_id = st.one_of(st.floats(allow_nan=False), st.booleans(), st.lists(st.integers(), max_size=2), st.text(min_size=65, max_size=80))
unknown_type = st.text(max_size=20).filter(lambda t: t not in {"spaces", "subscribe", "reset", "step", "rebalance_suggestion"})


def not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


hostile = st.one_of(
    st.builds(lambda a: {"type": "step", "action": a}, bad_action),
    st.just({"type": "step"}),
    st.builds(lambda s: {"type": "reset", "seed": s}, bad_seed),
    st.builds(lambda o: {"type": "reset", "options": o}, st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2))),
    st.builds(lambda a, k: {"type": "step", "action": a, k: 0}, st.integers(0, ACTIONS - 1),
              st.text(min_size=1, max_size=6).filter(lambda k: k not in {"type", "id", "action"})),
    st.builds(lambda s: {"type": "rebalance_suggestion", "suggestion": s}, bad_suggestion),
    st.builds(lambda t: {"type": t}, unknown_type),
    st.builds(lambda t: {"type": t}, st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))),
    st.builds(lambda i: {"type": "spaces", "id": i}, bad_id),
    st.builds(lambda e: {"type": "subscribe", "events": e}, st.one_of(st.none(), st.integers(), st.text(max_size=5))),
    st.dictionaries(st.text(max_size=5).filter(lambda k: k != "type"), json_value, max_size=3),
    json_value.filter(lambda v: not isinstance(v, dict)),
    st.text(max_size=40).filter(not_json),
    st.binary(max_size=40),
    st.just({"type": "spaces", "pad": "x" * 70_000}),
)


def encoded(message: Any) -> str | bytes:
    return message if isinstance(message, (str, bytes)) else json.dumps(message)


def test_a_thousand_hostile_messages_are_refused_and_change_nothing() -> None:
    local = gym.make("LightningSim-v0", payments_per_step=4)
    expected_obs, _ = local.reset(seed=21)
    with env_bridge(payments_per_step=4) as served:
        controller = Client(served.url)
        reset = controller.request({"type": "reset", "seed": 21})
        bystander = Client(served.url)
        np.testing.assert_array_equal(np.asarray(reset["observation"], dtype=np.float32), expected_obs)
        controller.broadcasts.clear()
        sent = []

        @settings(max_examples=1000, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
        @given(message=hostile)
        def refused(message: Any) -> None:
            controller.send(encoded(message))
            reply = json.loads(controller.ws.recv(timeout=10))
            assert reply["type"] == "error" and reply["error"], (message, reply)
            sent.append(message)

        refused()
        for action in (0, 5, {"from_node": "lnd-alice", "to_node": "lnd-bob", "amount": 1000}):  # valid, but not theirs
            assert bystander.request({"type": "step", "action": action})["code"] == "not_controller"
        assert bystander.request({"type": "reset", "seed": 1})["code"] == "not_controller"
        assert len(sent) >= 1000
        assert controller.broadcasts == [] and bystander.broadcasts == []
        reply = controller.request({"type": "step", "action": 7})
        controller.close()
        bystander.close()
    obs, reward, _, _, info = local.step(7)
    np.testing.assert_array_equal(np.asarray(reply["observation"], dtype=np.float32), obs)
    assert (reply["reward"], reply["info"]["step"]) == (reward, 1) and reply["info"] == json.loads(json.dumps(info))
    local.close()


def test_hostile_suggestions_to_a_simulation_are_refused_and_nothing_is_queued() -> None:
    network = Sim(load_scenario("seed"))
    before = network.snapshot().channels
    with relay_bridge(network, SimulationConfig(payments=1, concurrency=1, seed=1)) as served:
        client = Client(served.url)

        @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(body=bad_suggestion)
        def refused(body: Any) -> None:
            reply = client.request({"type": "rebalance_suggestion", "suggestion": body})
            assert reply["type"] == "error", (body, reply)

        refused()
        assert client.request({"type": "step", "action": 0})["code"] == "no_env"
        assert client.request({"type": "reset"})["code"] == "no_env"
        assert served.backend.queued == 0
        client.close()
    assert network.snapshot().channels == before
