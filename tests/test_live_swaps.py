"""Submarine swaps on real LND and btcd: both legs move, refunds refund, a crash loses nothing.

One network of tests/scenarios/swaps3.toml (alice, bob and the swap server
``loop``) for the module; each test starts from its initial channel balances.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lngym.errors import InsufficientFundsError, InvalidAmountError, LngymError, NoChannelError
from lngym.network import Network, make
from lngym.network.base import FAILED, PENDING, SUCCEEDED
from lngym.network.native import NativeNetwork

pytestmark = pytest.mark.live

SCENARIO = Path(__file__).parent / "scenarios" / "swaps3.toml"


@pytest.fixture(scope="module")
def swap_network() -> Iterator[NativeNetwork]:
    home = Path(tempfile.mkdtemp(prefix="lngym-test-swaps-"))
    network = make("native", SCENARIO, home=home, tmpfs=True)
    assert isinstance(network, NativeNetwork)
    network.up()
    yield network
    network.clean()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def swaps(swap_network: NativeNetwork) -> NativeNetwork:
    swap_network.reset_balances()
    return swap_network


def local(network: Network, channel: int, node: str) -> int:
    return network.snapshot().channels[channel].balance_of(node)


def total_funds(network: Network) -> int:
    """Every node's on-chain plus channel funds."""
    channels = sum(c.balance_a_sat + c.balance_b_sat for c in network.snapshot().channels)
    return channels + sum(network.wallet_balances().values())


def test_swap_out_moves_channel_funds_on_chain_after_confirmations(swaps: NativeNetwork) -> None:
    wallet = swaps.wallet_balances()["alice"]
    before = local(swaps, 0, "alice")
    started = swaps.swap_out("alice", 200_000, channel=0)
    assert started.status == PENDING and started.route == ("alice", "bob", "loop")
    assert swaps.pending_swaps() == [started]
    # The held HTLC is on both ends of alice-bob and bob-loop, and they agree on it: a
    # snapshot need not wait for it to settle (it will not before the confirmations).
    assert swaps._snapshots._agreed() is not None
    assert swaps.mine(2) == []  # two of three confirmations
    ended = swaps.mine(1)
    assert [r.swap_id for r in ended] == [started.swap_id]
    result = ended[0]
    assert result.status == SUCCEEDED and result.success and result.blocks == 3
    server_fee = 100 + 200_000 * 5_000 // 1_000_000
    assert result.server_fee_sat == server_fee and result.miner_fee_sat == 300
    routing_sat = result.fee_sat - server_fee - 300
    assert local(swaps, 0, "alice") == before - 200_000 - server_fee - routing_sat
    assert swaps.wallet_balances()["alice"] == wallet + 200_000 - 300
    assert swaps.pending_swaps() == []


def test_swap_in_moves_on_chain_funds_into_the_channel(swaps: NativeNetwork) -> None:
    wallet = swaps.wallet_balances()["alice"]
    before = local(swaps, 2, "alice")
    started = swaps.swap_in("alice", 300_000, channel=2)
    assert started.status == PENDING and started.miner_fee_sat > 0  # what LND's wallet paid
    (result,) = swaps.mine(3)
    assert result.status == SUCCEEDED and result.route == ("loop", "alice")
    # Confirmed balances: the change of alice's transaction counts again once it confirmed.
    assert swaps.wallet_balances()["alice"] == wallet - 300_000 - started.miner_fee_sat
    server_fee = 100 + 300_000 * 5_000 // 1_000_000
    assert local(swaps, 2, "alice") == before + 300_000 - server_fee


def test_swap_in_that_cannot_be_paid_is_refunded_on_chain(swaps: NativeNetwork) -> None:
    wallet = swaps.wallet_balances()["alice"]
    channels = [(c.balance_a_sat, c.balance_b_sat) for c in swaps.snapshot().channels]
    # The server's side of loop-alice holds about 500,000 sat: 900,000 cannot come in that way.
    started = swaps.swap_in("alice", 900_000, channel=2)
    (result,) = swaps.mine(3)
    assert result.status == FAILED and not result.success
    assert result.failure_reason in ("no_route", "insufficient_balance")
    assert "refunded 899,700 sat on-chain" in result.failure_detail
    swaps.mine(1)  # the refund confirms
    assert swaps.wallet_balances()["alice"] == wallet - started.miner_fee_sat - 300
    assert [(c.balance_a_sat, c.balance_b_sat) for c in swaps.snapshot().channels] == channels


def test_swap_out_beyond_the_servers_wallet_is_cancelled_and_nothing_moves(swaps: NativeNetwork) -> None:
    """A Loop Out whose on-chain leg the server cannot pay: the held HTLC goes back."""
    server_wallet = swaps.wallet_balances()["loop"]
    assert server_wallet > 1_000_000  # the server received the mined coins
    channels = [(c.balance_a_sat, c.balance_b_sat) for c in swaps.snapshot().channels]
    drained = swaps.cluster.node("loop").client.send_coins(
        swaps.cluster.node("bob").client.new_address(), server_wallet - 150_000)
    assert drained
    swaps.mine(1)
    result = swaps.swap_out("alice", 200_000, channel=0)
    assert result.status == FAILED and result.failure_reason == "swap_refused"
    assert [(c.balance_a_sat, c.balance_b_sat) for c in swaps.snapshot().channels] == channels
    # Give the server its coins back for the other tests.
    bob = swaps.cluster.node("bob").client
    bob.send_coins(swaps.cluster.node("loop").client.new_address(), server_wallet - 200_000)
    swaps.mine(1)


def test_server_killed_mid_swap_loses_no_funds(swaps: NativeNetwork) -> None:
    before = total_funds(swaps)
    started = swaps.swap_out("alice", 100_000, channel=0)
    swaps.kill_node("loop")
    assert swaps.mine(3) == []  # the server cannot settle while it is down: still pending
    assert [s.swap_id for s in swaps.pending_swaps()] == [started.swap_id]
    swaps.restart_node("loop")
    (result,) = swaps.mine(1)
    assert result.status == SUCCEEDED
    lost = before - total_funds(swaps)
    # Only the server's transaction fee left the network (the miner fee it paid), nothing else.
    assert 0 <= lost <= 5_000, lost


def test_bad_swaps_are_refused_alike_on_lnd_and_the_twin(swaps: NativeNetwork) -> None:
    twin = make("sim", SCENARIO)
    twin.start()
    bad = [
        (lambda n: n.swap_out("alice", 2_000_000), InvalidAmountError),  # above the server's max
        (lambda n: n.swap_in("bob", 1_000_000), InsufficientFundsError),  # bob has too few coins on-chain
        (lambda n: n.swap_out("alice", 100_000, channel=1), NoChannelError),  # bob-loop is not alice's
        (lambda n: n.swap_out("alice", 100_000, channel=9), NoChannelError),
        (lambda n: n.swap_in("alice", 100_000, max_fee_sat=10), InvalidAmountError),  # cap below the fee
    ]
    channels = [(c.balance_a_sat, c.balance_b_sat) for c in swaps.snapshot().channels]
    wallets = swaps.wallet_balances()
    for call, error in bad:
        outcomes = []
        for network in (swaps, twin):
            with pytest.raises(LngymError) as raised:
                call(network)
            outcomes.append((type(raised.value), str(raised.value)))
        assert outcomes[0][0] is outcomes[1][0] is error, outcomes
        assert outcomes[0][1].split(":")[0] == outcomes[1][1].split(":")[0]  # both name the call
    assert [(c.balance_a_sat, c.balance_b_sat) for c in swaps.snapshot().channels] == channels
    assert swaps.wallet_balances() == wallets and swaps.pending_swaps() == []


def test_env_swap_action_completes_on_lnd_after_its_confirmations(swaps: NativeNetwork) -> None:
    """LightningTestnet-v0's chain time on the swap scenario: a swap action, blocks per step, the result in info."""
    from lngym.envs import LightningEnv
    from lngym.policies.decisions import SwapSuggestion

    env = LightningEnv(SCENARIO, backend="native", home=str(swaps.home), payments_per_step=2)
    env.reset(seed=3)
    wallet = swaps.wallet_balances()["alice"]
    _, _, _, _, info = env.step_with([SwapSuggestion("alice", "swap_out", 100_000, channel=0)])
    assert info["swaps_started"] and info["swaps"] == []
    ended: list[dict[str, object]] = []
    server_fees = 0.0
    for _step in range(swaps.scenario.swap.confirmations):  # type: ignore[union-attr]
        _, _, _, _, info = env.step_with([])
        ended += info["swaps"]
        server_fees += info["swap_server_fee_sat"]
    assert [s["status"] for s in ended] == ["succeeded"]
    assert server_fees == 100 + 100_000 * 5_000 // 1_000_000
    assert swaps.wallet_balances()["alice"] == wallet + 100_000 - 300
    env.close()
    assert swaps.is_running()  # the env attached; it did not stop someone else's network


def test_reset_puts_the_wallets_back_after_swaps_both_ways(swaps: NativeNetwork) -> None:
    """Episodes must start alike: a reset restores each node's coins, not only its channels."""
    wallets, channels = swaps.wallet_balances(), swaps.snapshot().channels
    swaps.swap_out("alice", 150_000, channel=0)
    swaps.swap_in("alice", 120_000, channel=2)
    swaps.mine(4)
    assert not swaps.pending_swaps()
    assert swaps.wallet_balances()["alice"] != wallets["alice"]
    swaps.swap_in("alice", 60_000, channel=2)  # in flight when the reset comes: its coins are on their way
    swaps.reset_balances()
    after = swaps.wallet_balances()
    assert {n: after[n] for n in ("alice", "bob")} == {n: wallets[n] for n in ("alice", "bob")}
    # ... and those are the scenario's, as the twin starts from them: its funds plus LND's anchor reserve.
    assert {n: after[n] for n in ("alice", "bob")} == {"alice": 3_000_000 + 20_000, "bob": 20_000}
    assert not swaps.pending_swaps()
    assert [c.balance_a_sat for c in swaps.snapshot().channels] == [c.balance_a_sat for c in channels]
