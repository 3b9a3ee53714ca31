"""Checks every Network call runs before it reaches a backend.

They live here, once, so the same bad call fails with the same error class and
the same words on every backend: each message starts with the call's name, and
nothing is sent or changed before all of them pass.
"""

from __future__ import annotations

from typing import Any

from lngym.errors import (
    InvalidAmountError,
    InvalidPaymentError,
    NoChannelError,
    ScenarioError,
    UnknownNodeError,
)
from lngym.scenario import Scenario


def node_name(scenario: Scenario, call: str, name: Any) -> str:
    """The scenario's name for ``name`` (``alice`` or ``lnd-alice``)."""
    if not isinstance(name, str):
        raise UnknownNodeError(f"{call}: a node is named by a string, got {name!r}")
    try:
        return scenario.node(name)
    except UnknownNodeError as exc:
        raise UnknownNodeError(f"{call}: {exc}") from None


def amount(call: str, value: Any, what: str = "amount_sat") -> int:
    """A positive whole number of sat."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidAmountError(f"{call}: {what} must be a positive whole number of sat, got {value!r}")
    return value


def fee_cap(call: str, value: Any, what: str) -> int:
    """A fee cap: a whole number of sat, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidAmountError(f"{call}: {what} must be a whole number of sat, 0 or more, got {value!r}")
    return value


def distinct(call: str, sender: str, receiver: str) -> None:
    """A payment needs two different nodes; circular payments are ``rebalance``'s."""
    if sender == receiver:
        raise InvalidPaymentError(f"{call}: {sender} cannot pay itself; use rebalance() for a circular payment")


def channel_between(scenario: Scenario, call: str, a: str, b: str) -> int:
    """Index of the a–b channel in scenario order."""
    try:
        return scenario.channel_index(a, b)
    except ScenarioError:
        raise NoChannelError(f"{call}: there is no channel between {a} and {b}") from None


def within_capacity(call: str, value: int, capacity_sat: int, a: str, b: str) -> None:
    """An amount no larger than the channel it must cross."""
    if value > capacity_sat:
        raise InvalidAmountError(
            f"{call}: amount_sat {value:,} exceeds the {a}-{b} capacity of {capacity_sat:,} sat"
        )
