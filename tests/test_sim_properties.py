"""Property tests: no sequence of payments and rebalances creates or destroys money,
spends a reserve, or makes a balance negative — and every node's funds change by
exactly what it paid, received and earned in fees."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lngym.network.base import PaymentResult
from lngym.network.sim import Sim
from lngym.network.sim.topology import scale_free_channels
from lngym.scenario import load_scenario, scenario_from_dict

SEED = load_scenario("seed")
NODES = SEED.nodes
CHANNEL_ENDS = [(c.a, c.b) for c in SEED.channels] + [(c.b, c.a) for c in SEED.channels]

payment = st.tuples(
    st.just("pay"), st.sampled_from(NODES), st.sampled_from(NODES), st.integers(1, 700_000)
).filter(lambda op: op[1] != op[2])
rebalance = st.tuples(
    st.just("rebalance"), st.sampled_from(CHANNEL_ENDS), st.integers(1, 700_000), st.integers(0, 200)
)
operations = st.lists(st.one_of(payment, rebalance), min_size=1, max_size=40)


def node_funds_msat(sim: Sim) -> dict[str, int]:
    """Each node's balances over all its channels, in msat."""
    g, funds = sim.graph, {n: 0 for n in sim.graph.nodes}
    for edge, balance in enumerate(sim.engine.balances):
        funds[g.nodes[g.edge_from[edge]]] += balance
    return funds




@settings(max_examples=60, deadline=None)
@given(operations)
def test_money_is_conserved_and_reserves_hold_on_the_seed(ops):
    sim = Sim(SEED)
    for op in ops:
        if op[0] == "pay":
            run_and_check(sim, sim.pay, op[1], op[2], op[3])
        else:
            (src, dst), amount, fee = op[1], op[2], op[3]
            run_and_check(sim, sim.rebalance, src, dst, amount, fee)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(4, 12),
    st.integers(0, 10_000),
    st.lists(st.tuples(st.booleans(), st.integers(0, 10**6), st.integers(1, 400_000)), min_size=1, max_size=30),
)
def test_money_is_conserved_on_random_scale_free_graphs(size, seed, ops):
    rng = np.random.default_rng(seed)
    pairs = scale_free_channels(size, 2, rng)
    splits = rng.uniform(0.01, 1.0, len(pairs))  # the opener must afford the commitment fee
    sim = Sim(scenario_from_dict({
        "nodes": [f"n{i}" for i in range(size)],
        "channels": [
            {"a": f"n{a}", "b": f"n{b}", "capacity": 1_000_000, "split": float(x)}
            for (a, b), x in zip(pairs, splits)
        ],
    }))
    for is_payment, pick, amount in ops:
        if is_payment:
            src, dst = pick % size, (pick // size) % size
            if src != dst:
                run_and_check(sim, sim.pay, f"n{src}", f"n{dst}", amount)
        else:
            a, b = pairs[pick % len(pairs)]
            run_and_check(sim, sim.rebalance, f"n{a}", f"n{b}", amount, 100)


def run_and_check(sim: Sim, operation: Callable[..., PaymentResult], *args: object) -> None:
    """Run one payment or rebalance and check every invariant around it."""
    total = sum(sim.engine.balances)
    hold = sim.graph.hold_msat
    before = list(sim.engine.balances)
    funds_before = node_funds_msat(sim)
    result = operation(*args)
    after = sim.engine.balances
    assert sum(after) == total, "money created or destroyed"
    assert min(after) >= 0, "negative balance"
    for edge, (old, new) in enumerate(zip(before, after)):
        if new < old:
            assert new >= hold[edge], f"edge {edge} spent into its reserve"
    if not result.success:
        assert after == before, "a failed payment moved money"
        return
    funds_after = node_funds_msat(sim)
    gained = {n: funds_after[n] - funds_before[n] for n in funds_after}
    amount = result.amount_sat * 1000
    if result.kind == "rebalance":
        assert gained[result.sender] == -result.fee_msat
    else:
        assert gained[result.sender] == -(amount + result.fee_msat)
        assert gained[result.receiver] == amount
    middle = set(result.route[1:-1])
    assert sum(gained[n] for n in middle) == result.fee_msat
    assert all(gained[n] >= 0 for n in middle), "a forwarding node lost money"
