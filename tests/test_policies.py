"""lngym.policies: the baseline rebalancer and the do-nothing policy."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lngym.network.base import ChannelState, RebalanceSuggestion, Snapshot
from lngym.policies import BaselineRebalancer, NoRebalancer
from lngym.scenario import load_scenario, scenario_from_dict

SEED = load_scenario("seed")
CAPACITY = 1_000_000


def snapshot(*ratios: float, active: bool = True) -> Snapshot:
    """The seed's channels with ``a`` holding ``ratio`` of each (the rest balanced)."""
    shares = list(ratios) + [0.5] * (len(SEED.channels) - len(ratios))
    return Snapshot(
        tuple(
            ChannelState(i, f"chan{i}", spec.a, spec.b, CAPACITY, round(share * CAPACITY),
                         CAPACITY - round(share * CAPACITY), active)
            for i, (spec, share) in enumerate(zip(SEED.channels, shares))
        )
    )


def test_balanced_network_needs_nothing() -> None:
    assert BaselineRebalancer().suggest(snapshot(), SEED) == []


def test_lopsided_channels_are_pushed_back_from_the_surplus_side() -> None:
    # alice-bob: alice holds 80 %; bob-carol: bob holds 10 %; carol-dave: 65 %, inside the threshold.
    suggestions = BaselineRebalancer(target=0.5, threshold=0.2).suggest(snapshot(0.8, 0.1, 0.65), SEED)
    assert suggestions == [
        RebalanceSuggestion("carol", "bob", 400_000),
        RebalanceSuggestion("alice", "bob", 300_000),
    ]


def test_exactly_at_the_threshold_is_left_alone() -> None:
    assert BaselineRebalancer(threshold=0.2).suggest(snapshot(0.7, 0.3), SEED) == []
    assert BaselineRebalancer(threshold=0.2).suggest(snapshot(0.7001), SEED) == [
        RebalanceSuggestion("alice", "bob", 200_100)
    ]


def test_inactive_channels_are_skipped() -> None:
    assert BaselineRebalancer().suggest(snapshot(0.95, active=False), SEED) == []


def test_target_none_means_the_opening_split() -> None:
    data = {
        "nodes": ["alice", "bob"],
        "channels": [{"a": "alice", "b": "bob", "capacity": CAPACITY, "split": 0.9}],
    }
    scenario = scenario_from_dict(data)
    state = Snapshot((ChannelState(0, "c", "alice", "bob", CAPACITY, 500_000, 500_000, True),))
    assert BaselineRebalancer(target=None, threshold=0.2).suggest(state, scenario) == [
        RebalanceSuggestion("bob", "alice", 400_000)
    ]
    assert BaselineRebalancer(target=0.5).suggest(state, scenario) == []


def test_fee_cap_is_ppm_of_the_amount_rounded_up() -> None:
    policy = BaselineRebalancer(max_fee_ppm=1_000)
    assert policy.max_fee_sat(RebalanceSuggestion("alice", "bob", 300_000)) == 300
    assert policy.max_fee_sat(RebalanceSuggestion("alice", "bob", 1_500)) == 2
    assert BaselineRebalancer(max_fee_ppm=0).max_fee_sat(RebalanceSuggestion("a", "b", 10**6)) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [({"target": 1.5}, "target"), ({"threshold": -0.1}, "threshold"), ({"max_fee_ppm": -1}, "max_fee_ppm")],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BaselineRebalancer(**kwargs)  # type: ignore[arg-type]


def test_no_rebalancer_never_suggests() -> None:
    assert NoRebalancer().suggest(snapshot(1.0, 0.0, 1.0, 0.0, 1.0, 0.0), SEED) == []


@settings(max_examples=100, deadline=None)
@given(
    ratios=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    target=st.floats(0.1, 0.9),
    threshold=st.floats(0.0, 0.45),
)
def test_carrying_out_suggestions_lands_every_channel_on_target(
    ratios: list[float], target: float, threshold: float
) -> None:
    state = snapshot(*ratios)
    suggestions = BaselineRebalancer(target=target, threshold=threshold).suggest(state, SEED)
    moved = {frozenset((s.from_node, s.to_node)): s for s in suggestions}
    assert len(moved) == len(suggestions)
    for channel in state.channels:
        suggestion = moved.get(frozenset((channel.a, channel.b)))
        aim = round(target * channel.capacity_sat)
        if suggestion is None:
            assert abs(channel.balance_a_sat - aim) <= threshold * channel.capacity_sat
            continue
        sign = -1 if suggestion.from_node == channel.a else 1
        assert channel.balance_a_sat + sign * suggestion.amount_sat == aim
        assert suggestion.amount_sat > threshold * channel.capacity_sat
