"""On-chain sends between LND wallets on the regtest chain that lngym mines.

This is the on-chain leg of a swap: a fresh address, a send, blocks mined by
lngym, balances that move by the amount, and the miner fee read back from the
sender's wallet — the figure the twin's swaps are calibrated with.
"""

from __future__ import annotations

import pytest

from lngym.errors import LngymError, NodeError
from lngym.network.native import NativeNetwork
from lngym.wait import wait_until

pytestmark = pytest.mark.live

AMOUNT = 250_000


def _confirmed(network: NativeNetwork, name: str) -> int:
    return int(network.cluster.lnd[name].client.wallet_balance().confirmed_balance)


def _mine(network: NativeNetwork, blocks: int, *names: str) -> None:
    """Mine ``blocks`` and wait until the named nodes have processed them."""
    height = network.cluster.btcd.mine(blocks)
    for name in names:
        network.cluster.lnd[name].wait_synced(height)


@pytest.mark.parametrize("kind", ["p2wkh", "p2tr"])
def test_send_coins_moves_wallet_balances_by_the_amount_and_the_fee(network: NativeNetwork, kind: str) -> None:
    alice, carol = network.cluster.lnd["alice"].client, network.cluster.lnd["carol"].client
    _mine(network, 1, "alice", "carol")  # nothing of an earlier test left unconfirmed
    alice_before, carol_before = _confirmed(network, "alice"), _confirmed(network, "carol")
    address = carol.new_address(kind)
    assert address.startswith("bcrt1q" if kind == "p2wkh" else "bcrt1p")
    estimate = alice.estimate_fee(address, AMOUNT)
    txid = alice.send_coins(address, AMOUNT, label="onchain test")
    assert network.cluster.btcd.confirmations(txid) == 0  # in btcd's mempool, not yet mined
    wait_until(lambda: carol.wallet_balance().unconfirmed_balance == AMOUNT, 30, "carol to see the unconfirmed send")
    _mine(network, 1, "alice", "carol")
    assert network.cluster.btcd.confirmations(txid) == 1
    record = alice.transaction(txid)
    fee = record.total_fees
    assert record.num_confirmations == 1 and record.amount == -(AMOUNT + fee)
    assert _confirmed(network, "carol") == carol_before + AMOUNT
    assert _confirmed(network, "alice") == alice_before - AMOUNT - fee
    raw = network.cluster.btcd.transaction(txid)
    rate = fee / raw["vsize"]
    print(f"\nSendCoins of {AMOUNT:,} sat to {kind}: {len(raw['vin'])} input(s), {len(raw['vout'])} outputs, "
          f"{raw['vsize']} vB, miner fee {fee} sat ({rate:.2f} sat/vB; EstimateFee said {estimate.fee_sat} sat "
          f"at {estimate.sat_per_vbyte} sat/vB)")
    assert 1 <= rate <= 100
    assert len(raw["vout"]) == 2  # the amount and alice's change


def test_send_coins_at_a_given_fee_rate(network: NativeNetwork) -> None:
    alice, dave = network.cluster.lnd["alice"].client, network.cluster.lnd["dave"].client
    txid = alice.send_coins(dave.new_address(), 30_000, sat_per_vbyte=7)
    raw = network.cluster.btcd.transaction(txid)
    # lnd prices its own size estimate, which allows for the longest signatures: a vB or two over.
    assert 7 * raw["vsize"] <= alice.transaction(txid).total_fees <= 7 * (raw["vsize"] + 2)
    _mine(network, 1, "alice", "dave")


@pytest.mark.allow_log_errors(r"SendCoins\]: insufficient funds", r"SendCoins\]: invalid character not part of charset")  # bad calls on purpose
def test_wallet_calls_refuse_bad_input_and_name_node_and_call(network: NativeNetwork) -> None:
    carol = network.cluster.lnd["carol"].client
    before = carol.wallet_balance().confirmed_balance
    with pytest.raises(LngymError, match="carol: address kind must be one of p2wkh, p2tr"):
        carol.new_address("p2sh")
    with pytest.raises(LngymError, match="whole number of sat above 0"):
        carol.send_coins(network.cluster.lnd["alice"].client.new_address(), 0)
    with pytest.raises(LngymError, match="not both"):
        carol.send_coins(network.cluster.lnd["alice"].client.new_address(), 1_000, sat_per_vbyte=2, target_conf=3)
    with pytest.raises(NodeError, match=r"^carol: SendCoins failed: "):
        carol.send_coins(network.cluster.lnd["alice"].client.new_address(), 21_000_000 * 100_000_000)
    with pytest.raises(NodeError, match=r"^carol: SendCoins failed: "):
        carol.send_coins("bcrt1qnotanaddress", 1_000)
    with pytest.raises(NodeError, match=r"^carol: GetTransactions failed: no transaction"):
        carol.transaction("00" * 32)
    assert carol.wallet_balance().confirmed_balance == before
