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
    UnsupportedError,
)
from lngym.scenario import Scenario, SwapService


def node_name(scenario: Scenario, call: str, name: Any) -> str:
    """The scenario's name for ``name`` (``alice`` or ``lnd-alice``)."""
    if isinstance(name, str) and name in scenario.node_set:  # the common case
        return name
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


def swap_service(scenario: Scenario, call: str) -> SwapService:
    """The scenario's swap server; swaps need one."""
    if scenario.swap is None:
        raise UnsupportedError(f"{call}: scenario {scenario.name!r} has no swap server (add a [swap] table)")
    return scenario.swap


def swap_amount(call: str, value: int, service: SwapService) -> None:
    """An amount the swap server takes."""
    if not service.min_sat <= value <= service.max_sat:
        raise InvalidAmountError(
            f"{call}: amount_sat {value:,} is outside what the swap server {service.server} takes "
            f"({service.min_sat:,} to {service.max_sat:,} sat)"
        )


def channel_of(scenario: Scenario, call: str, node: str, channel: Any) -> None:
    """``channel`` is the index of one of ``node``'s channels in scenario order."""
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel < len(scenario.channels):
        raise NoChannelError(f"{call}: channel must be a channel index from 0 to {len(scenario.channels) - 1}, "
                             f"got {channel!r}")
    spec = scenario.channels[channel]
    if node not in (spec.a, spec.b):
        raise NoChannelError(f"{call}: channel {channel} is {spec.a}-{spec.b}, not a channel of {node}")
