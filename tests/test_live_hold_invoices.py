"""Hold invoices on real LND: a payment held IN_FLIGHT until the receiver settles or cancels.

This is the off-chain leg of a swap: the HTLC waits at the receiver while the
on-chain leg confirms. It needs lnd built with the invoicesrpc tag, as
`lngym install` builds it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from lngym.errors import LngymError, NodeError
from lngym.lnd.inflight import payment_state
from lngym.lnd.invoices import invoice_state, new_preimage
from lngym.network.native import NativeNetwork
from lngym.versions import LND_BUILD_TAGS
from lngym.wait import wait_until

pytestmark = pytest.mark.live

AMOUNT = 20_000


def _alice_bob(network: NativeNetwork) -> tuple[int, int]:
    """alice's and bob's balances in their channel (channel 0 of the seed)."""
    channel = network.snapshot().channels[0]
    assert (channel.a, channel.b) == ("alice", "bob")
    return channel.balance_a_sat, channel.balance_b_sat


def _held_payment(network: NativeNetwork) -> tuple[bytes, bytes, object]:
    """bob adds a hold invoice, alice pays it; returns once bob holds the HTLC."""
    alice, bob = network.cluster.lnd["alice"].client, network.cluster.lnd["bob"].client
    preimage, payment_hash = new_preimage()
    invoice = bob.add_hold_invoice(payment_hash, AMOUNT, memo="hold test")
    payment = alice.start_payment(payment_request=invoice.payment_request, fee_limit_sat=100)
    accepted = bob.wait_invoice(payment_hash, ["ACCEPTED"], 30)
    assert invoice_state(accepted) == "ACCEPTED" and accepted.amt_paid_sat == AMOUNT
    assert payment_state(payment.wait_for(["IN_FLIGHT"], 10)) == "IN_FLIGHT"
    time.sleep(1)  # still held a moment later: nothing settles it but bob
    assert payment.state == "IN_FLIGHT"
    assert invoice_state(bob.lookup_invoice(payment_hash)) == "ACCEPTED"
    towards_bob = [c for c in alice.list_channels() if c.remote_pubkey == network.cluster.lnd["bob"].pubkey]
    assert towards_bob[0].unsettled_balance == AMOUNT  # the HTLC is locked in the channel
    return preimage, payment_hash, payment


def test_lnd_and_lncli_have_the_release_build_tags(network: NativeNetwork) -> None:
    env = dict(os.environ, LNGYM_HOME=str(network.home))
    command = [sys.executable, "-m", "lngym.cli.main", "lncli", "alice"]
    help_text = subprocess.run([*command, "help"], env=env, capture_output=True, text=True, timeout=60).stdout
    listed = set(re.findall(r"^ {3,}([a-z]+)", help_text, re.MULTILINE))
    # One command of each tagged sub-server: invoicesrpc, walletrpc, chainrpc, watchtowerrpc, peersrpc.
    assert {"addholdinvoice", "settleinvoice", "cancelinvoice", "wallet", "chain", "tower", "peers"} <= listed
    version = subprocess.run([*command, "version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0, version.stderr
    reported = json.loads(version.stdout)
    assert sorted(reported["lnd"]["build_tags"]) == sorted(LND_BUILD_TAGS)
    assert sorted(reported["lncli"]["build_tags"]) == sorted(LND_BUILD_TAGS)


def test_settled_hold_invoice_pays_once_the_receiver_settles(network: NativeNetwork) -> None:
    alice_before, bob_before = _alice_bob(network)
    preimage, payment_hash, payment = _held_payment(network)
    network.cluster.lnd["bob"].client.settle_invoice(preimage)
    final = payment.result(30)
    assert payment_state(final) == "SUCCEEDED" and final.payment_preimage == preimage.hex()
    assert final.fee_sat == 0  # a direct channel: no hop charges a fee
    assert invoice_state(network.cluster.lnd["bob"].client.lookup_invoice(payment_hash)) == "SETTLED"
    assert _alice_bob(network) == (alice_before - AMOUNT, bob_before + AMOUNT)


def test_cancelled_hold_invoice_refunds_the_payer(network: NativeNetwork) -> None:
    before = _alice_bob(network)
    _preimage, payment_hash, payment = _held_payment(network)
    network.cluster.lnd["bob"].client.cancel_invoice(payment_hash)
    final = payment.result(30)
    assert payment_state(final) == "FAILED" and final.failure_reason == 4  # incorrect payment details
    assert invoice_state(network.cluster.lnd["bob"].client.lookup_invoice(payment_hash)) == "CANCELED"
    wait_until(lambda: _alice_bob(network) == before, 10, "the cancelled HTLC to leave the channel")


def test_a_held_payment_is_found_again_by_its_hash(network: NativeNetwork) -> None:
    preimage, payment_hash, payment = _held_payment(network)
    payment.close()
    tracked = network.cluster.lnd["alice"].client.track_payment(payment_hash)
    assert payment_state(tracked.wait_for(["IN_FLIGHT"], 10)) == "IN_FLIGHT"
    network.cluster.lnd["bob"].client.settle_invoice(preimage)
    assert payment_state(tracked.result(30)) == "SUCCEEDED"


@pytest.mark.allow_log_errors(r"invoice with payment hash already exists", r"invoice still open",
                              r"SubscribeSingleInvoice\]: .*context deadline exceeded")  # the bad calls this test makes on purpose
def test_invoice_calls_fail_naming_node_and_call(network: NativeNetwork) -> None:
    bob = network.cluster.lnd["bob"].client
    preimage, payment_hash = new_preimage()
    bob.add_hold_invoice(payment_hash, 1_000)
    with pytest.raises(NodeError, match=r"^bob: AddHoldInvoice failed: .*already exists"):
        bob.add_hold_invoice(payment_hash, 1_000)
    with pytest.raises(NodeError, match=r"^bob: SettleInvoice failed: "):
        bob.settle_invoice(preimage)  # nothing paid it yet: not ACCEPTED
    with pytest.raises(NodeError, match=r"^bob: SubscribeSingleInvoice failed: invoice .* still OPEN after"):
        bob.wait_invoice(payment_hash, ["ACCEPTED"], 1)
    with pytest.raises(LngymError, match="whole amount above 0"):
        bob.add_hold_invoice(new_preimage()[1], 0)
    bob.cancel_invoice(payment_hash)
    assert invoice_state(bob.wait_invoice(payment_hash, ["ACCEPTED"], 5)) == "CANCELED"
