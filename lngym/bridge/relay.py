"""The seed's flow for ``lngym simulate --bridge``: publish the run, apply suggestions between payments.

The simulation runs in its own thread and calls the three hooks of
``Simulation``: ``on_result`` (publish a ``transaction``), ``on_snapshot``
(publish a ``channel_update``) and ``between_batches``, which runs between
batches, when no payment is in flight. There the relay carries out what
clients suggested since the last batch with ``Simulation.apply`` (which records
every attempt like a payment) and answers each client with the final outcome
and the channel's balances right before and after.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from lngym.bridge.protocol import channel_update_message, transaction_message
from lngym.bridge.publisher import ClientChannel, Publisher
from lngym.bridge.validation import ProtocolError, Request, SuggestionRequest, Validator
from lngym.network.base import (
    PENDING,
    Network,
    PaymentResult,
    RebalanceSuggestion,
    Snapshot,
)
from lngym.policies.decisions import SwapSuggestion
from lngym.scenario import wire_name
from lngym.simulation import Simulation

#: Suggestions that may wait for the next gap between payments before new ones are refused.
MAX_PENDING = 100


@dataclass
class _Ticket:
    """A queued suggestion and who to answer."""

    number: int
    request_id: Any
    suggestion: RebalanceSuggestion | SwapSuggestion
    client: ClientChannel


class SuggestionRelay:
    """Backend of a bridge attached to a running simulation."""

    mode = "simulate"

    def __init__(self, network: Network, publisher: Publisher, min_confidence: float = 0.5) -> None:
        self.network = network
        self.publisher = publisher
        self.min_confidence = min_confidence
        self.scenario = network.scenario
        self.validator = Validator(self.scenario, None)
        self.node_infos = network.nodes()
        self.pubkeys = {node.name: node.pubkey for node in self.node_infos}
        self._lock = threading.Lock()
        self._queued: deque[_Ticket] = deque()
        self._count = 0
        self._simulation: Simulation | None = None

    def attach(self, simulation: Simulation) -> None:
        """Follow ``simulation``: publish its results and snapshots, apply suggestions between its batches."""
        simulation.on_result = self.on_result
        simulation.on_snapshot = self.on_snapshot
        simulation.between_batches = self.between_batches
        self._simulation = simulation

    def spaces(self) -> None:
        """No env here, so no spaces."""

    def settings(self) -> dict[str, Any]:
        """What ``hello`` says about suggestions."""
        return {"min_confidence": self.min_confidence, "max_pending": MAX_PENDING}

    async def handle(self, request: Request, client: ClientChannel) -> dict[str, Any]:
        """Queue a suggestion (or say why it is ignored); reset/step have no env to act on."""
        if not isinstance(request, SuggestionRequest):
            raise ProtocolError("no_env", "this bridge serves `lngym simulate`, not an env; send rebalance_suggestion")
        suggestion = request.suggestion
        ack: dict[str, Any] = {"type": "suggestion_ack", "suggestion": _suggestion_json(suggestion)}
        if request.id is not None:
            ack["id"] = request.id
        if isinstance(suggestion, RebalanceSuggestion) and suggestion.confidence < self.min_confidence:
            ack.update(status="ignored", reason=f"confidence {suggestion.confidence:g} is below "
                                                f"the bridge's minimum {self.min_confidence:g}")
            return ack
        with self._lock:
            if len(self._queued) >= MAX_PENDING:
                raise ProtocolError("queue_full", f"{MAX_PENDING} suggestions are already waiting; try again later")
            self._count += 1
            self._queued.append(_Ticket(self._count, request.id, suggestion, client))
            ack.update(status="queued", number=self._count, position=len(self._queued))
        return ack

    # -- Simulation hooks (called from the simulation's thread) ---------------------------------
    @property
    def queued(self) -> int:
        """Suggestions accepted but not applied yet."""
        with self._lock:
            return len(self._queued)

    def between_batches(self) -> None:
        """Apply everything queued since the last batch, in arrival order, answering each client.

        Each client gets the final outcome of its own suggestion (``apply`` may
        retry with smaller amounts) and the channel's balances before and after.
        """
        simulation = self._simulation
        if simulation is None:
            return
        with self._lock:
            tickets = list(self._queued)
            self._queued.clear()
        for ticket in tickets:
            if isinstance(ticket.suggestion, SwapSuggestion):
                self.publisher.send_to(ticket.client, self._swap_message(ticket, simulation))
                continue
            before = self.network.snapshot()
            result = simulation.apply(ticket.suggestion)
            after = self.network.snapshot()
            self.publisher.send_to(ticket.client, self._result_message(ticket, result, before, after))

    def _swap_message(self, ticket: _Ticket, simulation: Simulation) -> dict[str, Any]:
        """Start a suggested swap; the answer says started (it ends with later blocks), failed or skipped."""
        executed = simulation.execute([ticket.suggestion])
        message: dict[str, Any] = {"type": "suggestion_result", "number": ticket.number,
                                   "suggestion": _suggestion_json(ticket.suggestion)}
        if executed.skipped:
            message.update(status="skipped", success=False, failure_reason=executed.skipped[0][1])
        else:
            result = executed.results[0]
            pending = getattr(result, "status", "") == PENDING
            message.update(status="started" if pending else "failed", success=False,
                           swap_id=getattr(result, "swap_id", ""), failure_reason=result.failure_reason,
                           failure_detail=result.failure_detail)
        if ticket.request_id is not None:
            message["id"] = ticket.request_id
        return message

    def on_result(self, result: PaymentResult) -> None:
        """Publish a finished payment or rebalance."""
        if self.publisher.listening:
            self.publisher.publish(transaction_message(result))

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Publish every node's channels after a batch."""
        if self.publisher.listening:
            self.publisher.publish(channel_update_message(snapshot, self.pubkeys))

    def _result_message(
        self, ticket: _Ticket, result: PaymentResult, before: Snapshot, after: Snapshot
    ) -> dict[str, Any]:
        suggestion = ticket.suggestion
        assert isinstance(suggestion, RebalanceSuggestion)
        index = self.scenario.channel_index(suggestion.from_node, suggestion.to_node)
        message: dict[str, Any] = {
            "type": "suggestion_result",
            "number": ticket.number,
            "status": "applied" if result.success else "failed",
            "suggestion": _suggestion_json(suggestion),
            "success": result.success,
            "amount_moved": result.amount_sat if result.success else 0,
            "fee": result.fee_sat,
            "route": [wire_name(node) for node in result.route],
            "failure_reason": result.failure_reason,
            "failure_detail": result.failure_detail,
            "balances_before": _balances(before, index),
            "balances_after": _balances(after, index),
        }
        if ticket.request_id is not None:
            message["id"] = ticket.request_id
        return message


def _suggestion_json(suggestion: RebalanceSuggestion | SwapSuggestion) -> dict[str, Any]:
    if isinstance(suggestion, SwapSuggestion):
        return {"node": wire_name(suggestion.node), "kind": suggestion.kind,
                "amount": suggestion.amount_sat, "channel": suggestion.channel}
    return {
        "from_node": wire_name(suggestion.from_node),
        "to_node": wire_name(suggestion.to_node),
        "amount": suggestion.amount_sat,
        "confidence": suggestion.confidence,
    }


def _balances(snapshot: Snapshot, index: int) -> dict[str, int]:
    """Both ends' local balances of one channel, keyed by wire name."""
    channel = snapshot.channels[index]
    return {wire_name(channel.a): channel.balance_a_sat, wire_name(channel.b): channel.balance_b_sat}
