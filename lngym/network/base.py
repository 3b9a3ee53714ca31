"""The Network interface every backend implements, and the values it returns.

Envs, the simulator CLI and the WebSocket bridge only talk to ``Network``, so
they never know whether real LND processes, containers or the in-process twin
sit behind it. Values are plain frozen dataclasses so they pickle, compare and
serialise the same way on every backend.
"""

from __future__ import annotations

import abc
import time
from collections import deque
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from lngym.errors import (
    InsufficientFundsError,
    InvalidAmountError,
    InvalidPaymentError,
    NotRunningError,
    UnsupportedError,
)
from lngym.network import limits, validation
from lngym.scenario import Scenario

PAYMENT = "payment"
REBALANCE = "rebalance"
SWAP_OUT = "swap_out"
SWAP_IN = "swap_in"
#: A swap's status: its on-chain leg is waiting for confirmations, or it has ended.
PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"


@dataclass(frozen=True)
class NodeInfo:
    """One node of a running network."""

    name: str
    pubkey: str
    grpc: str = ""
    synced: bool = True
    alive: bool = True
    #: Running, but its wallet waits for a password (``lngym unlock``).
    locked: bool = False


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
    #: Words behind ``failure_reason`` (a stable category from ``lngym.network.failures``):
    #: where the last attempt failed, or the RPC error, with whatever varies per call.
    failure_detail: str = ""

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
class SwapResult(PaymentResult):
    """A submarine swap with the swap server: started (``pending``), or ended.

    Loop Out (``swap_out``): ``node`` pays the server off-chain — held until the
    server's on-chain payment confirms — and receives the amount less the fees
    on-chain. Loop In (``swap_in``): ``node`` pays the server on-chain, and once
    that confirms the server pays ``node`` off-chain (or refunds on-chain).
    ``fee_msat`` is everything the swap cost ``node`` (routing, server and miner
    fees); ``server_fee_sat`` and ``miner_fee_sat`` are its two on-chain-side parts.
    A pending swap's result is ``success=False`` with ``status`` pending; the
    ended swap comes back from ``Network.mine`` with the same ``swap_id``.
    """

    swap_id: str = ""
    status: str = PENDING
    node: str = ""
    channel: int | None = None
    server_fee_sat: int = 0
    miner_fee_sat: int = 0
    started_height: int = 0
    finished_height: int | None = None

    @property
    def blocks(self) -> int | None:
        """Blocks from the swap's start to its end (None while pending)."""
        return None if self.finished_height is None else self.finished_height - self.started_height


@dataclass(frozen=True)
class PaymentRequest:
    """One payment a workload asks for (sender pays receiver ``amount_sat``)."""

    sender: str
    receiver: str
    amount_sat: int
    description: str = ""


@dataclass(frozen=True)
class DirectedPolicy:
    """The routing policy a node announces for forwarding out of one channel.

    One type for every backend: the native backend reads it from LND's graph,
    the twin routes with it, so a twin built from a live network takes the
    live policies as they are.
    """

    base_fee_msat: int = 1_000
    fee_rate_ppm: int = 1
    time_lock_delta: int = 80
    min_htlc_msat: int = 1_000
    max_htlc_msat: int | None = None  # None: the backend's default share of the capacity


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



ResultObserver = Callable[[PaymentResult], None]

#: Ended swaps a network remembers (``Network.ended_swaps``): enough for any policy's look
#: back over an episode, bounded for a network that runs for days under the bridge.
ENDED_SWAPS_KEPT = 256


class Network(abc.ABC):
    """A Lightning network of named nodes that can pay, rebalance and be reset.

    The public calls validate their arguments here, once, then hand a checked
    call to the backend's ``_pay`` / ``_rebalance`` / ...: the same bad call
    raises the same error on every backend and changes nothing. Observers
    (``add_observer``) see every result as it ends, whoever made the call.
    """

    #: True for a network that lives in this process (the twin): its calls never
    #: wait on I/O, so callers such as the bridge need not hand them to a thread.
    in_process = False

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._observers: list[ResultObserver] = []
        self._ended_swaps: deque[SwapResult] = deque(maxlen=ENDED_SWAPS_KEPT)

    # -- what each backend provides ------------------------------------------------------
    @abc.abstractmethod
    def start(self) -> None:
        """Bring the network up (or attach to it) so that every channel is usable."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop what this object started; attaching objects leave the network running."""

    @abc.abstractmethod
    def is_started(self) -> bool:
        """Whether ``start()`` was called and ``stop()`` not since (no RPC)."""

    @abc.abstractmethod
    def nodes(self) -> list[NodeInfo]:
        """The nodes, with liveness as currently known."""

    @abc.abstractmethod
    def _snapshot(self) -> Snapshot:
        """Channel states in scenario order (the network is started)."""

    @abc.abstractmethod
    def _policies(self) -> dict[tuple[str, str], DirectedPolicy]:
        """Each direction's policy keyed (from, to) (the network is started)."""

    @abc.abstractmethod
    def _pay(self, request: PaymentRequest, keysend: bool, fee_limit_sat: int) -> PaymentResult:
        """Send one checked payment; a failed payment is a result, never an exception."""

    @abc.abstractmethod
    def _rebalance(self, from_node: str, to_node: str, channel: int, amount_sat: int, max_fee_sat: int) -> PaymentResult:
        """Circular payment of ``from_node`` out through scenario channel ``channel``."""

    @abc.abstractmethod
    def _reset_balances(self, hard: bool) -> Snapshot:
        """Restore every channel's initial split (see ``reset_balances``)."""

    def _height(self) -> int:
        """The chain's height (backends without a chain say so)."""
        raise UnsupportedError(f"the {type(self).__name__} backend has no chain")

    def _mine(self, blocks: int) -> list[SwapResult]:
        """Mine blocks and return the swaps that ended with them."""
        raise UnsupportedError(f"the {type(self).__name__} backend cannot mine blocks yet")

    def _wallet_balances(self) -> dict[str, int]:
        raise UnsupportedError(f"the {type(self).__name__} backend has no on-chain wallets yet")

    def _pending_swaps(self) -> list[SwapResult]:
        return []

    def _swap(self, kind: str, node: str, amount_sat: int, channel: int | None) -> SwapResult:
        """Start a checked swap; a swap that cannot start is an ended, failed result."""
        raise UnsupportedError(f"the {type(self).__name__} backend has no swaps yet")

    # -- the interface --------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Channel states in scenario order."""
        self._require_started("snapshot")
        return self._snapshot()

    def balance_ratios(self) -> np.ndarray:
        """Share of each channel's capacity on its ``a`` side, in scenario order."""
        return np.array([c.ratio_a for c in self.snapshot().channels], dtype=np.float64)

    def policies(self) -> dict[tuple[str, str], DirectedPolicy]:
        """Each direction's routing policy, keyed (from, to)."""
        self._require_started("policies")
        return self._policies()

    def down_nodes(self) -> list[str]:
        """Nodes known to be down right now (cheap: no RPC); none by default."""
        return []

    def pay(
        self,
        sender: str,
        receiver: str,
        amount_sat: int,
        description: str = "",
        keysend: bool = False,
        fee_limit_sat: int | None = None,
    ) -> PaymentResult:
        """Send one payment and wait for its outcome; never raises for a failed payment.

        ``fee_limit_sat`` defaults to ``limits.default_fee_limit_sat(amount_sat)``.
        """
        request, limit = self._checked_payment("pay", sender, receiver, amount_sat, description, fee_limit_sat)
        self._require_started("pay")
        return self._report(self._pay(request, keysend, limit))

    def pay_many(
        self,
        requests: Sequence[PaymentRequest],
        concurrency: int = 8,
        keysend: bool = False,
        on_result: ResultObserver | None = None,
    ) -> list[PaymentResult]:
        """Send a batch with at most ``concurrency`` in flight; results in request order.

        Every request is checked before the first is sent, so a bad one changes
        nothing. ``on_result`` is called as each payment ends (from a worker
        thread on backends that overlap payments), so a recorder can write the
        row at once rather than when the batch is done.
        """
        checked = [
            self._checked_payment("pay_many", r.sender, r.receiver, r.amount_sat, r.description, None, r)
            for r in requests
        ]
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidPaymentError(f"pay_many: concurrency must be a whole number of 1 or more, got {concurrency!r}")
        self._require_started("pay_many")

        def one(item: tuple[PaymentRequest, int]) -> PaymentResult:
            result = self._report(self._pay(item[0], keysend, item[1]))
            if on_result is not None:
                on_result(result)
            return result

        return self._run_batch(checked, concurrency, one)

    def rebalance(self, from_node: str, to_node: str, amount_sat: int, max_fee_sat: int) -> PaymentResult:
        """Shift ``amount_sat`` in the from–to channel towards ``to_node`` by a circular
        self-payment of ``from_node`` that comes back through another of its channels."""
        call = "rebalance"
        from_node = validation.node_name(self.scenario, call, from_node)
        to_node = validation.node_name(self.scenario, call, to_node)
        channel = validation.channel_between(self.scenario, call, from_node, to_node)
        validation.amount(call, amount_sat)
        validation.within_capacity(call, amount_sat, self.scenario.channels[channel].capacity_sat, from_node, to_node)
        validation.fee_cap(call, max_fee_sat, "max_fee_sat")
        self._require_started(call)
        return self._report(self._rebalance(from_node, to_node, channel, amount_sat, max_fee_sat))

    def reset_balances(self, hard: bool = False) -> Snapshot:
        """Put every channel back to its initial split exactly.

        A soft reset (the default) moves funds inside each channel and raises
        ``NetworkStateError`` with the reason if it cannot finish; it never
        rebuilds the network. ``hard=True`` is the caller's explicit choice to
        rebuild from scratch, where the backend can (new node identities live).
        """
        self._require_started("reset_balances")
        self._ended_swaps.clear()
        return self._reset_balances(hard)

    def height(self) -> int:
        """The block height of the network's chain."""
        self._require_started("height")
        return self._height()

    def mine(self, blocks: int = 1) -> list[SwapResult]:
        """Let ``blocks`` blocks pass; returns (and reports) the swaps that ended with them."""
        if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
            raise InvalidAmountError(f"mine: blocks must be a whole number of 1 or more, got {blocks!r}")
        self._require_started("mine")
        return [self._report(result) for result in self._mine(blocks)]

    def wallet_balances(self) -> dict[str, int]:
        """Each node's confirmed on-chain balance, in sat."""
        self._require_started("wallet_balances")
        return self._wallet_balances()

    def pending_swaps(self) -> list[SwapResult]:
        """Swaps started and not yet ended, oldest first."""
        self._require_started("pending_swaps")
        return self._pending_swaps()

    def ended_swaps(self) -> list[SwapResult]:
        """Swaps that ended since the last reset (the last ``ENDED_SWAPS_KEPT``), oldest first:
        those that failed at once as well, so a policy can tell a swap that keeps failing."""
        return list(self._ended_swaps)

    def swap_fees(self, amount_sat: int) -> tuple[int, int]:
        """(server fee, miner fee) a swap of ``amount_sat`` costs, in sat."""
        service = validation.swap_service(self.scenario, "swap_fees")
        return service.server_fee_sat(amount_sat), service.miner_fee_sat

    def swap_out(
        self, node: str, amount_sat: int, channel: int | None = None, max_fee_sat: int | None = None
    ) -> SwapResult:
        """Start a Loop Out: move ``amount_sat`` of ``node``'s channel funds (out through
        scenario channel ``channel`` if given) to its on-chain wallet; see ``SwapResult``."""
        return self._start_swap(SWAP_OUT, node, amount_sat, channel, max_fee_sat)

    def swap_in(
        self, node: str, amount_sat: int, channel: int | None = None, max_fee_sat: int | None = None
    ) -> SwapResult:
        """Start a Loop In: move ``amount_sat`` of ``node``'s on-chain funds into its channels
        (in through scenario channel ``channel`` if given); see ``SwapResult``."""
        return self._start_swap(SWAP_IN, node, amount_sat, channel, max_fee_sat)

    def add_observer(self, observer: ResultObserver) -> None:
        """Call ``observer`` with every payment and rebalance result as it ends."""
        self._observers.append(observer)

    def remove_observer(self, observer: ResultObserver) -> None:
        """Stop calling ``observer``; unknown observers are ignored."""
        if observer in self._observers:
            self._observers.remove(observer)

    # -- shared machinery -----------------------------------------------------------------
    def _checked_payment(
        self, call: str, sender: Any, receiver: Any, amount_sat: Any, description: str, fee_limit_sat: Any,
        given: PaymentRequest | None = None,
    ) -> tuple[PaymentRequest, int]:
        """The request with canonical node names (``given`` itself when it has them) and its fee limit."""
        canonical_sender = validation.node_name(self.scenario, call, sender)
        canonical_receiver = validation.node_name(self.scenario, call, receiver)
        validation.distinct(call, canonical_sender, canonical_receiver)
        validation.amount(call, amount_sat)
        if fee_limit_sat is None:
            fee_limit_sat = limits.default_fee_limit_sat(amount_sat)
        validation.fee_cap(call, fee_limit_sat, "fee_limit_sat")
        if given is not None and (canonical_sender, canonical_receiver) == (sender, receiver):
            return given, fee_limit_sat
        return PaymentRequest(canonical_sender, canonical_receiver, amount_sat, description), fee_limit_sat

    def _start_swap(
        self, kind: str, node: Any, amount_sat: Any, channel: Any, max_fee_sat: Any
    ) -> SwapResult:
        service = validation.swap_service(self.scenario, kind)
        node = validation.node_name(self.scenario, kind, node)
        if node == service.server:
            raise InvalidPaymentError(f"{kind}: {node} is the swap server; it cannot swap with itself")
        validation.amount(kind, amount_sat)
        validation.swap_amount(kind, amount_sat, service)
        if channel is not None:
            validation.channel_of(self.scenario, kind, node, channel)
        server_fee, miner_fee = self.swap_fees(amount_sat)
        if max_fee_sat is not None:
            validation.fee_cap(kind, max_fee_sat, "max_fee_sat")
            if service.quoted_fee_sat(amount_sat) > max_fee_sat:
                raise InvalidAmountError(
                    f"{kind}: max_fee_sat {max_fee_sat:,} is below the swap's fee of "
                    f"{service.quoted_fee_sat(amount_sat):,} sat "
                    f"(server {server_fee:,} + miner {miner_fee:,})"
                )
        self._require_started(kind)
        if kind == SWAP_IN:
            funds = self._wallet_balances().get(node, 0)
            spendable = limits.spendable_sat(self.scenario, node, funds)
            if spendable < amount_sat + miner_fee:
                raise InsufficientFundsError(
                    f"{kind}: {node} may spend {max(spendable, 0):,} of its {funds:,} sat on-chain (LND keeps "
                    f"{funds - spendable:,} as its anchor reserve), less than {amount_sat:,} + {miner_fee:,} miner fee"
                )
        else:
            local = self._local_funds(node, channel)
            if local < amount_sat + server_fee:
                where = f"channel {channel}" if channel is not None else "its channels"
                raise InsufficientFundsError(
                    f"{kind}: {node} has {local:,} sat in {where}, less than {amount_sat:,} + {server_fee:,} server fee"
                )
        result = self._swap(kind, node, amount_sat, channel)
        return self._report(result) if result.status != PENDING else result

    def _local_funds(self, node: str, channel: int | None) -> int:
        """What ``node`` holds on its side of ``channel`` (or of all its channels)."""
        states = self._snapshot().channels
        chosen = [states[channel]] if channel is not None else [c for c in states if node in (c.a, c.b)]
        return sum(c.balance_of(node) for c in chosen)

    def _require_started(self, call: str) -> None:
        if not self.is_started():
            raise NotRunningError(f"{call}: the network is not started; call start() first")

    def _report(self, result: PaymentResult) -> PaymentResult:
        if isinstance(result, SwapResult) and result.status != PENDING:
            self._ended_swaps.append(result)
        for observer in self._observers:
            observer(result)
        return result

    def _run_batch(
        self,
        items: list[tuple[PaymentRequest, int]],
        concurrency: int,
        one: Callable[[tuple[PaymentRequest, int]], PaymentResult],
    ) -> list[PaymentResult]:
        """Run checked payments, overlapping up to ``concurrency``; a network in this
        process has nothing to overlap and runs them one by one."""
        if concurrency <= 1 or len(items) <= 1 or self.in_process:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
            return list(pool.map(one, items))

    def __enter__(self) -> "Network":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ManagedNetwork(Network):
    """A network whose node processes lngym runs under a home directory.

    The native backend's processes (and the docker backend's containers) have a lifecycle
    that the CLI drives — up, down, clean, restart one node, read its log —
    which the in-process twin has no use for. Code that needs it asks for this
    type, not for a backend by name.
    """

    home: Path

    @abc.abstractmethod
    def up(self) -> None:
        """Launch a fresh network under home (refused if one runs there)."""

    @abc.abstractmethod
    def attach(self) -> None:
        """Use the network already running under home, without owning it."""

    @abc.abstractmethod
    def down(self) -> None:
        """Stop every process of the network under home, and nothing else."""

    @abc.abstractmethod
    def clean(self) -> None:
        """``down()``, then delete the home and the node data."""

    @abc.abstractmethod
    def is_running(self) -> bool:
        """Whether a network under home has live processes."""

    @abc.abstractmethod
    def has_strays(self) -> bool:
        """Whether processes of an earlier network still use home without being on record."""

    @abc.abstractmethod
    def has_state(self) -> bool:
        """Whether a network was ever started under home (its state is on disk)."""

    @abc.abstractmethod
    def restart_node(self, name: str) -> None:
        """Restart one node and wait until its channels are active again."""

    @abc.abstractmethod
    def unlock(self, password: str) -> dict[str, str]:
        """Open the locked wallets of a network started with a wallet password; what happened
        per node (``unlocked``, ``already open``, ``not answering``)."""

    @abc.abstractmethod
    def kill_node(self, name: str) -> None:
        """Kill one node as a crash would (for failure tests)."""

    @abc.abstractmethod
    def log_path(self, name: str) -> Path:
        """Where a node's log is (``btcd`` names the bitcoin node)."""

    @abc.abstractmethod
    def lncli_argv(self, name: str) -> list[str]:
        """lncli's command line for one node."""

    def log_lines(self, name: str, lines: int = 50, follow: bool = False) -> Iterator[str]:
        """A node's last ``lines`` log lines (all if 0), then new ones while ``follow``.

        This default reads ``log_path``; a backend whose daemons log elsewhere
        (containers) overrides it.
        """
        return read_log(self.log_path(name), lines, follow)


def read_log(path: Path, lines: int, follow: bool) -> Iterator[str]:
    """The last ``lines`` lines of a log file (all if 0), then lines appended while ``follow``."""
    with open(path, errors="replace") as log:
        every = log.readlines()
        yield from every[-lines:] if lines > 0 else every
        while follow:
            line = log.readline()
            if line:
                yield line
            else:
                time.sleep(0.2)


def totals_by_node(snapshot: Snapshot, nodes: Iterable[str]) -> dict[str, int]:
    """Each node's channel funds summed over its channels (for conservation checks)."""
    totals = {node: 0 for node in nodes}
    for channel in snapshot.channels:
        totals[channel.a] += channel.balance_a_sat
        totals[channel.b] += channel.balance_b_sat
    return totals
