"""Inbound messages: every frame is checked here before anything acts on it.

Validation is pure (no I/O, no state), so a hostile frame can only ever
produce a ``ProtocolError`` — which the server turns into an ``error``
message — and never a half-applied change. Node names are checked against the
scenario and amounts against the capacity of the channel they would move.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from gymnasium import spaces

from lngym.bridge.protocol import MAX_MESSAGE_BYTES
from lngym.errors import ScenarioError, UnknownNodeError
from lngym.network.base import RebalanceSuggestion
from lngym.policies.decisions import SWAP_KINDS, SwapSuggestion
from lngym.scenario import Scenario

#: Allowed fields per inbound type; anything else is refused so typos do not pass silently.
FIELDS: dict[str, frozenset[str]] = {
    "spaces": frozenset({"type", "id"}),
    "subscribe": frozenset({"type", "id", "events", "env_steps"}),
    "reset": frozenset({"type", "id", "seed", "options"}),
    "step": frozenset({"type", "id", "action"}),
    "rebalance_suggestion": frozenset({"type", "id", "suggestion"}),
    "swap_suggestion": frozenset({"type", "id", "suggestion"}),
}
SUGGESTION_FIELDS = frozenset({"from_node", "to_node", "amount", "confidence"})
SWAP_FIELDS = frozenset({"node", "kind", "amount", "channel"})
MAX_ID_LENGTH = 64
MAX_SEED = 2**63 - 1


class ProtocolError(Exception):
    """A message that cannot be taken: ``code`` for programs, the text for people."""

    def __init__(self, code: str, reason: str, request_id: Any = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.request_id = request_id


@dataclass(frozen=True)
class SpacesRequest:
    """Ask for the observation and action spaces (anyone may)."""

    id: Any


@dataclass(frozen=True)
class SubscribeRequest:
    """Turn this client's broadcasts on or off (a controller that only wants replies saves their cost).

    ``env_steps`` (None: unchanged) also asks for ``env_step``, an opt-in
    broadcast so clients written before it existed never see it.
    """

    id: Any
    events: bool
    env_steps: bool | None = None


@dataclass(frozen=True)
class ResetRequest:
    """Start an episode: ``env.reset(seed=..., options=...)``."""

    id: Any
    seed: int | None
    options: dict[str, Any] | None


@dataclass(frozen=True)
class StepRequest:
    """One env step; ``action`` is an int, a list for a Box, or a rebalance or swap suggestion."""

    id: Any
    action: int | list[float] | RebalanceSuggestion | SwapSuggestion


@dataclass(frozen=True)
class SuggestionRequest:
    """The seed's ``rebalance_suggestion`` or a ``swap_suggestion``, checked against the topology."""

    id: Any
    suggestion: RebalanceSuggestion | SwapSuggestion


Request = SpacesRequest | SubscribeRequest | ResetRequest | StepRequest | SuggestionRequest


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse_frame(frame: str | bytes, max_bytes: int = MAX_MESSAGE_BYTES) -> dict[str, Any]:
    """A frame as a JSON object, or a ProtocolError saying why it is not one."""
    if isinstance(frame, bytes):
        raise ProtocolError("binary_frame", "binary frames are not accepted; send JSON as a text frame")
    size = len(frame.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ProtocolError("too_large", f"message of {size} bytes exceeds the limit of {max_bytes} bytes")
    try:
        data = json.loads(frame, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("invalid_json", f"not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid_message", f"expected a JSON object, got {type(data).__name__}")
    return data


def request_id(data: dict[str, Any]) -> Any:
    """The client's optional correlation ``id`` (a string or integer), echoed in replies."""
    value = data.get("id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProtocolError("invalid_message", "id must be a string or an integer")
    if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
        raise ProtocolError("invalid_message", f"id must be at most {MAX_ID_LENGTH} characters")
    if isinstance(value, int) and abs(value) > MAX_SEED:
        raise ProtocolError("invalid_message", "id is too large")
    return value


class Validator:
    """Turns parsed messages into requests for one scenario and (if any) one action space."""

    def __init__(self, scenario: Scenario, action_space: spaces.Space | None) -> None:
        self.scenario = scenario
        self.action_space = action_space

    def request(self, data: dict[str, Any]) -> Request:
        """The typed request, or a ProtocolError naming the field that is wrong."""
        ident = request_id(data)
        kind = data.get("type")
        if not isinstance(kind, str):
            raise ProtocolError("invalid_message", "every message needs a string field 'type'", ident)
        if kind not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}; clients send {known}", ident)
        extra = sorted(set(data) - FIELDS[kind])
        if extra:
            allowed = ", ".join(sorted(FIELDS[kind]))
            raise ProtocolError("invalid_message", f"{kind}: unknown field {extra[0][:40]!r}; allowed: {allowed}", ident)
        try:
            return self._typed(kind, ident, data)
        except ProtocolError as exc:
            exc.request_id = ident
            raise

    def _typed(self, kind: str, ident: Any, data: dict[str, Any]) -> Request:
        if kind == "spaces":
            return SpacesRequest(ident)
        if kind == "subscribe":
            if not isinstance(data.get("events"), bool):
                raise ProtocolError("invalid_message", "subscribe needs 'events': true or false")
            env_steps = data.get("env_steps")
            if env_steps is not None and not isinstance(env_steps, bool):
                raise ProtocolError("invalid_message", "subscribe's 'env_steps' must be true or false")
            return SubscribeRequest(ident, data["events"], env_steps)
        if kind == "reset":
            return ResetRequest(ident, _seed(data.get("seed")), _options(data.get("options")))
        if kind == "step":
            if "action" not in data:
                raise ProtocolError("invalid_message", "step needs an 'action'")
            return StepRequest(ident, self.action(data["action"]))
        if "suggestion" not in data:
            raise ProtocolError("invalid_message", f"{kind} needs a 'suggestion' object")
        if kind == "swap_suggestion":
            return SuggestionRequest(ident, self.swap(data["suggestion"]))
        return SuggestionRequest(ident, self.suggestion(data["suggestion"]))

    def action(self, raw: Any) -> int | list[float] | RebalanceSuggestion | SwapSuggestion:
        """An action for the env's space: an index, a list of numbers, or a suggestion object
        (a swap when it has a ``kind``)."""
        space = self.action_space
        if space is None:
            raise ProtocolError("no_env", "this bridge serves `lngym simulate`, not an env; send rebalance_suggestion")
        if isinstance(raw, dict):
            return self.swap(raw) if "kind" in raw else self.suggestion(raw)
        if isinstance(space, spaces.Discrete):
            return _discrete(raw, space)
        if isinstance(space, spaces.Box):
            return _box(raw, space)
        raise ProtocolError("invalid_action", f"actions of a {type(space).__name__} space are not supported")

    def suggestion(self, raw: Any) -> RebalanceSuggestion:
        """A suggestion whose nodes exist, share a channel, and whose amount fits in it."""
        if not isinstance(raw, dict):
            raise ProtocolError("invalid_suggestion", "suggestion must be an object with from_node, to_node, amount")
        extra = sorted(set(raw) - SUGGESTION_FIELDS)
        if extra:
            raise ProtocolError("invalid_suggestion", f"suggestion: unknown field {extra[0][:40]!r}")
        for key in ("from_node", "to_node"):
            if not isinstance(raw.get(key), str):
                raise ProtocolError("invalid_suggestion", f"suggestion.{key} must be a node name such as 'lnd-alice'")
        try:
            source, sink = self.scenario.node(raw["from_node"]), self.scenario.node(raw["to_node"])
        except UnknownNodeError as exc:
            raise ProtocolError("unknown_node", str(exc)[:300]) from None
        try:
            channel = self.scenario.channels[self.scenario.channel_index(source, sink)]
        except ScenarioError as exc:
            raise ProtocolError("no_channel", str(exc)[:300]) from None
        amount = raw.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ProtocolError("invalid_amount", f"suggestion.amount must be a whole number of sat, got {_show(amount)}")
        if not 0 < amount <= channel.capacity_sat:
            raise ProtocolError(
                "invalid_amount",
                f"suggestion.amount must be from 1 to the channel's capacity {channel.capacity_sat}, got {amount}",
            )
        confidence = raw.get("confidence", 1.0)
        if not _finite_number(confidence) or not 0.0 <= confidence <= 1.0:
            raise ProtocolError("invalid_suggestion", f"suggestion.confidence must be a number from 0 to 1, got {_show(confidence)}")
        return RebalanceSuggestion(source, sink, amount, float(confidence))


    def swap(self, raw: Any) -> SwapSuggestion:
        """A swap the scenario's server would take: a node other than the server, a known kind,
        an amount within the server's min/max, and one of the node's channels."""
        service = self.scenario.swap
        if service is None:
            raise ProtocolError("no_swap_server", "this scenario has no [swap] server; swaps cannot be suggested")
        if not isinstance(raw, dict):
            raise ProtocolError("invalid_suggestion", "suggestion must be an object with node, kind, amount, channel")
        extra = sorted(set(raw) - SWAP_FIELDS)
        if extra:
            raise ProtocolError("invalid_suggestion", f"suggestion: unknown field {extra[0][:40]!r}")
        if not isinstance(raw.get("node"), str):
            raise ProtocolError("invalid_suggestion", "suggestion.node must be a node name such as 'lnd-alice'")
        try:
            node = self.scenario.node(raw["node"])
        except UnknownNodeError as exc:
            raise ProtocolError("unknown_node", str(exc)[:300]) from None
        if node == service.server:
            raise ProtocolError("invalid_suggestion", f"{node} is the swap server; it cannot swap with itself")
        if raw.get("kind") not in SWAP_KINDS:
            raise ProtocolError("invalid_suggestion", f"suggestion.kind must be swap_in or swap_out, got {_show(raw.get('kind'))}")
        amount = raw.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ProtocolError("invalid_amount", f"suggestion.amount must be a whole number of sat, got {_show(amount)}")
        if not service.min_sat <= amount <= service.max_sat:
            raise ProtocolError(
                "invalid_amount",
                f"suggestion.amount must be within the server's {service.min_sat} to {service.max_sat} sat, got {amount}",
            )
        channel = raw.get("channel")
        if isinstance(channel, bool) or not isinstance(channel, int):
            raise ProtocolError("no_channel", f"suggestion.channel must be a channel index, got {_show(channel)}")
        if not 0 <= channel < len(self.scenario.channels) or node not in (
            self.scenario.channels[channel].a, self.scenario.channels[channel].b
        ):
            raise ProtocolError("no_channel", f"{node} has no channel {channel}")
        return SwapSuggestion(node, raw["kind"], amount, channel)


def _show(value: Any) -> str:
    """A short rendering of a bad value for an error message."""
    return repr(value)[:60]


def _finite_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _seed(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_SEED:
        raise ProtocolError("invalid_seed", f"seed must be a whole number from 0 to 2^63-1 or null, got {_show(raw)}")
    return raw


def _options(raw: Any) -> dict[str, Any] | None:
    if raw is None or isinstance(raw, dict):
        return raw
    raise ProtocolError("invalid_options", f"options must be an object or null, got {_show(raw)}")


def _discrete(raw: Any, space: spaces.Discrete) -> int:
    low, high = int(space.start), int(space.start + space.n - 1)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ProtocolError("invalid_action", f"action must be an integer from {low} to {high} or a suggestion object, got {_show(raw)}")
    if not low <= raw <= high:
        raise ProtocolError("invalid_action", f"action must be from {low} to {high}, got {raw}")
    return raw


def _box(raw: Any, space: spaces.Box) -> list[float]:
    size = int(space.low.size)
    if not isinstance(raw, list) or len(raw) != size:
        raise ProtocolError("invalid_action", f"action must be a list of {size} numbers or a suggestion object, got {_show(raw)}")
    low, high = space.low.reshape(-1).tolist(), space.high.reshape(-1).tolist()
    for i, value in enumerate(raw):
        if not _finite_number(value) or not low[i] <= value <= high[i]:
            raise ProtocolError("invalid_action", f"action[{i}] must be a number from {low[i]} to {high[i]}, got {_show(value)}")
    return [float(v) for v in raw]
