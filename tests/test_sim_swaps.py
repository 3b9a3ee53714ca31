"""The twin's on-chain side of swaps: confirmed wallets, as LND reports them on the live backend.

Wallets start with the scenario's funds plus LND's anchor reserve. Coins sent
to a wallet count from the next block; coins sent from it leave at once; a send
costs its sender the calibrated fee (the scenario's miner fee by default). tests/test_live_swaps.py checks the same on real LND.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lngym.errors import InsufficientFundsError
from lngym.network.base import FAILED, PENDING, SUCCEEDED
from lngym.network.sim import Sim
from lngym.scenario import load_scenario

SCENARIO = load_scenario(Path(__file__).parent / "scenarios" / "swaps3.toml")


def twin(send_fee_sat: int | None = None, change_send_fee_sat: int | None = None) -> Sim:
    sim = Sim(SCENARIO)
    sim.start()
    if send_fee_sat is not None:
        sim.swaps.calibrate(sim.wallet_balances(), 200, dict.fromkeys(SCENARIO.nodes, send_fee_sat),
                            change_send_fee_sat)
    return sim


def test_loop_out_coins_count_from_the_next_block_and_the_swap_ends_after_its_confirmations() -> None:
    sim = twin()
    wallets = sim.wallet_balances()
    sim.swap_out("alice", 200_000, channel=0)
    assert sim.wallet_balances()["alice"] == wallets["alice"]  # sent, not yet confirmed
    assert sim.wallet_balances()["loop"] == wallets["loop"] - 200_000  # the server's send leaves at once
    assert sim.mine(1) == []
    assert sim.wallet_balances()["alice"] == wallets["alice"] + 200_000 - 300
    (ended,) = sim.mine(2)
    assert ended.status == SUCCEEDED and ended.blocks == 3
    assert sim.wallet_balances()["alice"] == wallets["alice"] + 200_000 - 300


def test_loop_in_leaves_the_wallet_at_once_and_reaches_the_server_a_block_later() -> None:
    sim = twin(send_fee_sat=284)
    wallets = sim.wallet_balances()
    started = sim.swap_in("alice", 300_000, channel=2)
    assert started.miner_fee_sat == 284  # what the node's own send costs, as LND charges it
    assert sim.wallet_balances()["alice"] == wallets["alice"] - 300_000 - 284
    assert sim.wallet_balances()["loop"] == wallets["loop"]
    sim.mine(1)
    assert sim.wallet_balances()["loop"] == wallets["loop"] + 300_000
    (ended,) = sim.mine(2)
    assert ended.status == SUCCEEDED and ended.fee_sat == ended.server_fee_sat + 284


def test_a_calibrated_server_pays_its_own_send_fee_and_the_node_gets_the_scenarios_quote() -> None:
    sim = twin(send_fee_sat=284)
    wallets = sim.wallet_balances()
    sim.swap_out("alice", 200_000, channel=0)
    sim.mine(3)
    assert sim.wallet_balances()["alice"] == wallets["alice"] + 200_000 - 300
    assert sim.wallet_balances()["loop"] == wallets["loop"] - (200_000 - 300 + 284)
    assert sim.height() == 203


def test_a_loop_in_that_cannot_be_paid_is_refunded_a_block_after_it_ends() -> None:
    sim = twin(send_fee_sat=284)
    wallets = sim.wallet_balances()
    # loop's side of loop-alice holds 500,000 sat: 900,000 cannot come in through it.
    sim.swap_in("alice", 900_000, channel=2)
    (ended,) = sim.mine(3)
    assert ended.status == FAILED and ended.miner_fee_sat == 284 + 300
    refund = 900_000 - 300
    assert sim.wallet_balances()["alice"] == wallets["alice"] - 900_000 - 284
    sim.mine(1)
    assert sim.wallet_balances()["alice"] == wallets["alice"] - 900_000 - 284 + refund
    assert sim.wallet_balances()["loop"] == wallets["loop"] + 900_000 - refund - 284


def test_a_nodes_later_sends_spend_its_change_and_cost_the_change_fee() -> None:
    sim = twin(send_fee_sat=304, change_send_fee_sat=283)
    wallets = sim.wallet_balances()
    assert sim.swap_in("alice", 100_000, channel=2).miner_fee_sat == 304
    sim.mine(3)
    assert sim.swap_in("alice", 100_000, channel=2).miner_fee_sat == 283
    assert sim.wallet_balances()["alice"] == wallets["alice"] - 200_000 - 304 - 283
    sim.reset_balances()  # a reset restores the wallets as they were, first send included
    assert sim.swap_in("alice", 100_000, channel=2).miner_fee_sat == 304


def test_wallets_start_with_the_scenarios_funds_plus_lnds_anchor_reserve_which_no_loop_in_may_spend() -> None:
    sim = twin()
    # alice and bob have two channels each, loop two: 20,000 sat of anchor reserve apiece.
    assert sim.wallet_balances() == {"alice": 3_020_000, "bob": 20_000, "loop": 50_020_000}
    assert sim.swap_in("alice", 1_500_000, channel=2).status == PENDING  # 1,500,300 sat with its miner fee
    with pytest.raises(InsufficientFundsError, match="anchor reserve"):
        sim.swap_in("alice", 1_499_700 - 300 + 1, channel=0)
    assert sim.swap_in("alice", 1_499_700 - 300, channel=0).status == PENDING
    assert sim.wallet_balances()["alice"] == 20_000


def test_the_twin_remembers_the_swaps_that_ended_until_a_reset() -> None:
    sim = twin()
    refused = sim.swap_in("alice", 900_000, channel=2)  # ends failed: nothing comes in through loop-alice
    ok = sim.swap_out("alice", 200_000, channel=0)
    sim.mine(3)
    assert [(s.swap_id, s.status) for s in sim.ended_swaps()] == [(refused.swap_id, FAILED), (ok.swap_id, SUCCEEDED)]
    assert sim.fork().ended_swaps() == sim.ended_swaps()
    sim.reset_balances()
    assert sim.ended_swaps() == []
