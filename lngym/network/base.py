"""The Network interface every backend implements, and the values it returns.

Envs, the simulator CLI and the WebSocket bridge only talk to ``Network``, so
they never know whether real LND processes, containers or the in-process twin
sit behind it. Values are plain frozen dataclasses so they pickle, compare and
serialise the same way on every backend.
"""

from __future__ import annotations

import abc
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

from lngym.errors import InvalidAmountError
from lngym.scenario import Scenario

PAYMENT = "payment"
REBALANCE = "rebalance"


@dataclass(frozen=True)
class NodeInfo:
    """One node of a running network."""

    name: str
    pubkey: str
    grpc: str = ""
    synced: bool = True
    alive: bool = True


@dataclass(frozen=True)
class ChannelState:
    """A channel at one moment, seen from its scenario ends ``a`` and ``b``."""

    index: int
    id: str
    a: str
    b: str
    capacity_sat: int
    balance_a_sat: int
    balance_b_sat: int
    active: bool

    @property
    def ratio_a(self) -> float:
        """Share of the capacity on ``a``'s side: the observation of this channel."""
        return self.balance_a_sat / self.capacity_sat if self.capacity_sat else 0.0

    def balance_of(self, node: str) -> int:
        """Local balance of ``node``, which must be one of the two ends."""
        if node == self.a:
            return self.balance_a_sat
        if node == self.b:
            return self.balance_b_sat
        raise ValueError(f"{node} is not an end of channel {self.a}-{self.b}")


@dataclass(frozen=True)
class Snapshot:
    """Every channel of the network at one moment, in scenario order."""

    channels: tuple[ChannelState, ...]
    taken_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form used by ``lngym status --json`` and the bridge."""
        return {
            "channels": [
                {
                    "index": c.index,
                    "id": c.id,
                    "a": c.a,
                    "b": c.b,
                    "capacity": c.capacity_sat,
                    "balance_a": c.balance_a_sat,
                    "balance_b": c.balance_b_sat,
                    "active": c.active,
                }
                for c in self.channels
            ]
        }


@dataclass(frozen=True)
class PaymentResult:
    """What happened to one payment or rebalance, on any backend."""

    sender: str
    receiver: str
    amount_sat: int
    success: bool
    fee_msat: int = 0
    route: tuple[str, ...] = ()
    attempts: int = 0
    duration_ms: float = 0.0
    failure_reason: str = ""
    description: str = ""
    kind: str = PAYMENT
    timestamp: float = field(default_factory=time.time)

    @property
    def fee_sat(self) -> float:
        """Routing fee in sat (fees are charged in msat, so this may be fractional)."""
        return self.fee_msat / 1000

    @property
    def hops(self) -> int:
        """Number of channels the successful (or last tried) route crossed."""
        return max(len(self.route) - 1, 0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the derived fields included."""
        data = asdict(self)
        data["route"] = list(self.route)
        data["fee_sat"] = self.fee_sat
        data["hops"] = self.hops
        return data


@dataclass(frozen=True)
class PaymentRequest:
    """One payment a workload asks for (sender pays receiver ``amount_sat``)."""

    sender: str
    receiver: str
    amount_sat: int
    description: str = ""


@dataclass(frozen=True)
class DirectedPolicy:
    """The routing policy a node announces for forwarding out of one channel."""

    base_fee_msat: int
    fee_rate_ppm: int
    time_lock_delta: int
    min_htlc_msat: int
    max_htlc_msat: int


@dataclass(frozen=True)
class RebalanceSuggestion:
    """A proposal to move liquidity in the from–to channel towards ``to_node``.

    This is the seed's ``rebalance_suggestion`` message, and what env actions,
    baseline policies and WebSocket clients all turn into.
    """

    from_node: str
    to_node: str
    amount_sat: int
    confidence: float = 1.0


class Network(abc.ABC):
    """A Lightning network of named nodes that can pay, rebalance and be reset."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    @abc.abstractmethod
    def start(self) -> None:
        """Bring the network up (or attach to it) so that every channel is usable."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop what this object started; attaching objects leave the network running."""

    @abc.abstractmethod
    def nodes(self) -> list[NodeInfo]:
        """The nodes, with liveness as currently known."""

    @abc.abstractmethod
    def snapshot(self) -> Snapshot:
        """Channel states in scenario order."""

    @abc.abstractmethod
    def pay(
        self,
        sender: str,
        receiver: str,
        amount_sat: int,
        description: str = "",
        keysend: bool = False,
        fee_limit_sat: int | None = None,
    ) -> PaymentResult:
        """Send one payment and wait for its outcome; never raises for a failed payment."""

    @abc.abstractmethod
    def rebalance(
        self, from_node: str, to_node: str, amount_sat: int, max_fee_sat: int
    ) -> PaymentResult:
        """Shift ``amount_sat`` in the from–to channel towards ``to_node`` by a circular payment."""

    @abc.abstractmethod
    def reset_balances(self, hard: bool = False) -> Snapshot:
        """Put every channel back to its initial split; ``hard`` rebuilds from scratch."""

    def down_nodes(self) -> list[str]:
        """Nodes known to be down right now (cheap: no RPC); none by default."""
        return []

    def pay_many(
        self,
        requests: Sequence[PaymentRequest],
        concurrency: int = 8,
        keysend: bool = False,
        on_result: Callable[[PaymentResult], None] | None = None,
    ) -> list[PaymentResult]:
        """Send a batch with at most ``concurrency`` in flight; results in request order.

        ``on_result`` is called as each payment ends (from a worker thread), so a
        recorder can write the row at once rather than when the batch is done.
        """

        def one(request: PaymentRequest) -> PaymentResult:
            result = self.pay(
                request.sender,
                request.receiver,
                request.amount_sat,
                description=request.description,
                keysend=keysend,
            )
            if on_result is not None:
                on_result(result)
            return result

        if concurrency <= 1 or len(requests) <= 1:
            return [one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(concurrency, len(requests))) as pool:
            return list(pool.map(one, requests))

    def __enter__(self) -> "Network":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def check_amount(amount_sat: Any, what: str = "amount") -> int:
    """Reject amounts that are not positive whole satoshis, before any RPC is made."""
    if isinstance(amount_sat, bool) or not isinstance(amount_sat, int) or amount_sat <= 0:
        raise InvalidAmountError(f"{what} must be a positive whole number of sat, got {amount_sat!r}")
    return amount_sat


def check_max_fee(max_fee_sat: Any) -> int:
    """Reject a rebalance fee cap that is not a whole number of sat, 0 or more."""
    if isinstance(max_fee_sat, bool) or not isinstance(max_fee_sat, int) or max_fee_sat < 0:
        raise InvalidAmountError(f"max_fee_sat must be a whole number of 0 or more, got {max_fee_sat!r}")
    return max_fee_sat


def totals_by_node(snapshot: Snapshot, nodes: Iterable[str]) -> dict[str, int]:
    """Each node's channel funds summed over its channels (for conservation checks)."""
    totals = {node: 0 for node in nodes}
    for channel in snapshot.channels:
        totals[channel.a] += channel.balance_a_sat
        totals[channel.b] += channel.balance_b_sat
    return totals
