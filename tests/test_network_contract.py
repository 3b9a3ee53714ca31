"""The Network contract: both backends validate, fail and report alike.

Each bad call is made on the in-process twin always, and on live LND under the
``live`` marker, where the test also checks that the twin raises the very same
error class with the very same message. A bad call changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lngym.errors import (
    InvalidAmountError,
    InvalidPaymentError,
    LngymError,
    NoChannelError,
    NotRunningError,
    UnknownNodeError,
)
from lngym.network import Network, PaymentRequest, PaymentResult, make
from lngym.network.native import NativeNetwork

BadCall = Callable[[Network], object]

#: (name, the call, the error it must raise) — the same on every backend.
BAD_CALLS: list[tuple[str, BadCall, type[LngymError]]] = [
    ("unknown sender", lambda n: n.pay("mallory", "bob", 1_000), UnknownNodeError),
    ("unknown receiver", lambda n: n.pay("alice", "lnd-mallory", 1_000), UnknownNodeError),
    ("node not a string", lambda n: n.pay("alice", 7, 1_000), UnknownNodeError),
    ("self-payment", lambda n: n.pay("alice", "lnd-alice", 1_000), InvalidPaymentError),
    ("amount 0", lambda n: n.pay("alice", "bob", 0), InvalidAmountError),
    ("negative amount", lambda n: n.pay("alice", "bob", -5), InvalidAmountError),
    ("fractional amount", lambda n: n.pay("alice", "bob", 1.5), InvalidAmountError),
    ("boolean amount", lambda n: n.pay("alice", "bob", True), InvalidAmountError),
    ("negative fee limit", lambda n: n.pay("alice", "bob", 1_000, fee_limit_sat=-1), InvalidAmountError),
    ("bad request in a batch", lambda n: n.pay_many([PaymentRequest("alice", "bob", 1_000),
                                                     PaymentRequest("alice", "bob", 0)]), InvalidAmountError),
    ("zero concurrency", lambda n: n.pay_many([PaymentRequest("alice", "bob", 1_000)], concurrency=0),
     InvalidPaymentError),
    ("rebalance above capacity", lambda n: n.rebalance("alice", "bob", 1_000_001, 100), InvalidAmountError),
    ("rebalance amount 0", lambda n: n.rebalance("alice", "bob", 0, 100), InvalidAmountError),
    ("rebalance negative fee cap", lambda n: n.rebalance("alice", "bob", 10_000, -1), InvalidAmountError),
    ("rebalance without a channel", lambda n: n.rebalance("alice", "carol", 10_000, 100), NoChannelError),
    ("rebalance unknown node", lambda n: n.rebalance("alice", "zed", 10_000, 100), UnknownNodeError),
]
IDS = [name for name, _call, _error in BAD_CALLS]


def outcome(network: Network, call: BadCall) -> tuple[type[BaseException], str]:
    """The class and message of the error ``call`` raises on ``network``."""
    with pytest.raises(LngymError) as raised:
        call(network)
    return type(raised.value), str(raised.value)


def balances(network: Network) -> list[tuple[int, int]]:
    return [(c.balance_a_sat, c.balance_b_sat) for c in network.snapshot().channels]


@pytest.fixture
def twin() -> Iterator[Network]:
    network = make("sim", "seed")
    network.start()
    yield network
    network.stop()


@pytest.mark.parametrize(("name", "call", "error"), BAD_CALLS, ids=IDS)
def test_bad_call_on_the_twin_raises_and_changes_nothing(
    twin: Network, name: str, call: BadCall, error: type[LngymError]
) -> None:
    before = balances(twin)
    kind, message = outcome(twin, call)
    assert kind is error
    assert message.startswith(("pay:", "pay_many:", "rebalance:")) and "\n" not in message
    assert balances(twin) == before


@pytest.mark.live
@pytest.mark.backends("native", "docker")
@pytest.mark.parametrize(("name", "call", "error"), BAD_CALLS, ids=IDS)
def test_bad_call_fails_the_same_on_lnd_and_the_twin(
    network: NativeNetwork, twin: Network, name: str, call: BadCall, error: type[LngymError]
) -> None:
    before = balances(network)
    assert outcome(network, call) == outcome(twin, call)
    assert balances(network) == before


def test_twin_refuses_calls_before_start_and_after_stop() -> None:
    network = make("sim", "seed")
    network.stop()
    for call in (lambda: network.pay("alice", "bob", 1_000), lambda: network.rebalance("alice", "bob", 10_000, 10),
                 network.snapshot, network.reset_balances, network.policies):
        with pytest.raises(NotRunningError, match="the network is not started"):
            call()
    network.start()
    assert network.pay("alice", "bob", 1_000).success


def test_native_refuses_calls_before_start_without_any_process(tmp_path: Path) -> None:
    """A native network object that was never started raises as the twin does (no LND needed)."""
    native = make("native", "seed", home=tmp_path / "home")
    twin = make("sim", "seed")
    twin.stop()
    for call in (lambda n: n.pay("alice", "bob", 1_000), lambda n: n.rebalance("alice", "bob", 10_000, 10),
                 lambda n: n.snapshot(), lambda n: n.reset_balances()):
        assert outcome(native, call) == outcome(twin, call)
        assert outcome(native, call)[0] is NotRunningError
    assert not (tmp_path / "home").exists()  # refusing created nothing


@pytest.mark.live
@pytest.mark.backends("native", "docker")
def test_native_refuses_calls_after_stop_and_leaves_the_network_running(network: NativeNetwork) -> None:
    attached = make("native", home=network.home)
    attached.start()  # attaches: someone else's network
    assert attached.pay("alice", "bob", 1_000).success
    attached.stop()
    with pytest.raises(NotRunningError, match="pay: the network is not started"):
        attached.pay("alice", "bob", 1_000)
    assert network.pay("alice", "bob", 1_000).success  # stop() let go, it did not stop the nodes


def check_results_arrive_as_each_payment_ends(network: Network) -> None:
    requests = [PaymentRequest("alice", "carol", 2_000 + i) for i in range(6)]
    heard: list[tuple[float, PaymentResult]] = []
    observed: list[PaymentResult] = []
    network.add_observer(observed.append)
    try:
        results = network.pay_many(requests, concurrency=3,
                                   on_result=lambda r: heard.append((time.time(), r)))
    finally:
        network.remove_observer(observed.append)
    assert len(results) == len(heard) == len(observed) == len(requests)
    assert [r.amount_sat for r in results] == [r.amount_sat for r in requests]  # request order
    assert sorted(r.amount_sat for _t, r in heard) == sorted(r.amount_sat for r in results)
    # The first call came before the batch's last payment had ended: rows can be written at once.
    assert heard[0][0] <= max(r.timestamp for r in results)
    for when, result in heard:
        assert when >= result.timestamp  # never before its own payment ended


def test_on_result_fires_as_each_payment_ends_on_the_twin(twin: Network) -> None:
    check_results_arrive_as_each_payment_ends(twin)


@pytest.mark.live
@pytest.mark.backends("native", "docker")
def test_on_result_fires_as_each_payment_ends_on_lnd(network: NativeNetwork) -> None:
    check_results_arrive_as_each_payment_ends(network)


def test_observers_see_payments_and_rebalances(twin: Network) -> None:
    seen: list[str] = []
    twin.add_observer(lambda r: seen.append(r.kind))
    twin.pay("alice", "bob", 1_000)
    twin.rebalance("alice", "bob", 10_000, 10)
    twin.pay_many([PaymentRequest("bob", "carol", 1_000)])
    assert seen == ["payment", "rebalance", "payment"]


def test_policies_have_one_type_on_every_backend(twin: Network) -> None:
    from lngym.network import DirectedPolicy

    policies = twin.policies()
    assert len(policies) == 2 * len(twin.scenario.channels)
    assert all(isinstance(p, DirectedPolicy) for p in policies.values())
    assert policies[("alice", "bob")].base_fee_msat == twin.scenario.policy_of("alice").base_fee_msat
