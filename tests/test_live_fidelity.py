"""The twin against real LND: built from the live seed network, it starts identical and
agrees on the outcome of a short seeded trace."""

from __future__ import annotations

import pytest

from lngym.network.native import NativeNetwork
from lngym.network.sim import Sim
from lngym.fidelity import Replay, summarise
from lngym.policies import BaselineRebalancer
from lngym.traffic import Workload

pytestmark = pytest.mark.live


def channel_states(network: NativeNetwork | Sim) -> list[tuple[str, str, int, int, int]]:
    """Ends, capacity and balances of every channel (ids differ between backends)."""
    return [(c.a, c.b, c.capacity_sat, c.balance_a_sat, c.balance_b_sat) for c in network.snapshot().channels]


def test_twin_starts_identical_with_the_announced_policies(network: NativeNetwork) -> None:
    twin = Sim.from_network(network)
    assert channel_states(twin) == channel_states(network)
    announced = network.policies()
    for (frm, to), policy in announced.items():
        edge = twin.graph.edge_of(frm, to)
        assert (twin.graph.base_fee[edge], twin.graph.fee_ppm[edge], twin.graph.cltv[edge]) == (
            policy.base_fee_msat, policy.fee_rate_ppm, policy.time_lock_delta
        )
        assert (twin.graph.min_htlc[edge], twin.graph.max_htlc[edge]) == (policy.min_htlc_msat, policy.max_htlc_msat)


def test_short_trace_agrees_on_at_least_90_percent_of_outcomes(network: NativeNetwork) -> None:
    twin = Sim.from_network(network)
    requests = Workload.from_scenario(network.scenario, seed=3).next(40)
    comparisons = Replay(network, twin, BaselineRebalancer(), rebalance_every=20).run(requests)
    summary = summarise(comparisons, network.snapshot(), twin.snapshot())
    assert summary.payments == 40
    disagreements = [(c.step, c.live.failure_reason, c.twin.failure_reason) for c in comparisons if not c.agree]
    assert summary.payment_agreement >= 0.9, disagreements
    assert summary.live_success > 0.5, "a trace where most payments fail would show little"
