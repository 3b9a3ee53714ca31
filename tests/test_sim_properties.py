"""Property tests: no sequence of payments and rebalances creates or destroys money,
spends a reserve, or makes a balance negative — and every node's funds change by
exactly what it paid, received and earned in fees."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lngym.network.sim import Sim
from lngym.scenario import load_scenario

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
    g, funds = sim.graph, {n: 0 for n in NODES}
    for edge, balance in enumerate(sim.engine.balances):
        funds[g.nodes[g.edge_from[edge]]] += balance
    return funds




@settings(max_examples=60, deadline=None)
@given(operations)
def test_money_is_conserved_and_reserves_hold(ops):
    sim = Sim(SEED)
    total = sum(sim.engine.balances)
    hold = sim.graph.hold_msat
    for op in ops:
        before = list(sim.engine.balances)
        funds_before = node_funds_msat(sim)
        if op[0] == "pay":
            result = sim.pay(op[1], op[2], op[3])
        else:
            (src, dst), amount, fee = op[1], op[2], op[3]
            result = sim.rebalance(src, dst, amount, fee)
        after = sim.engine.balances
        assert sum(after) == total, "money created or destroyed"
        assert min(after) >= 0, "negative balance"
        for edge, (old, new) in enumerate(zip(before, after)):
            if new < old:
                assert new >= hold[edge], f"edge {edge} spent into its reserve"
        funds_after = node_funds_msat(sim)
        gained = {n: funds_after[n] - funds_before[n] for n in NODES}
        if not result.success:
            assert after == before, "a failed payment moved money"
            continue
        amount = result.amount_sat * 1000
        if result.kind == "rebalance":
            assert gained[result.sender] == -result.fee_msat
        else:
            assert gained[result.sender] == -(amount + result.fee_msat)
            assert gained[result.receiver] == amount
        middle = set(result.route[1:-1])
        assert sum(gained[n] for n in middle) == result.fee_msat
        assert all(gained[n] >= 0 for n in middle), "a forwarding node lost money"
