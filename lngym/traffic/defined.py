"""The ``defined`` traffic model: explicit payment schedules, also read from SimLN's sim.json.

Each activity pays ``amount`` from ``source`` to ``destination`` every
``interval``, ``count`` times (or for ever). As in SimLN, the first payment
goes at ``start`` when one is given and after one interval otherwise, and an
amount or interval written as ``[low, high]`` is drawn uniformly each time.
Activities run side by side; their payments are merged in time order (ties in
the order the activities are listed).

In the scenario (amounts in sat, times in seconds)::

    [traffic.defined]
    sim_json = "simln/sim.json"      # optional, relative to the scenario file
    [[traffic.defined.activity]]
    source = "alice"
    destination = "carol"
    amount_sat = [1_000, 5_000]
    interval_s = 2
    count = 10                       # optional
    start_s = 20                     # optional
    description = "Rent"             # optional

A sim.json brings SimLN's own ``activity`` entries (``amount_msat``,
``interval_secs``, ``start_secs``, ``count``); nodes are matched by name, so
``"Alice"`` and ``"lnd-alice"`` both mean alice.
"""

from __future__ import annotations

import heapq
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from lngym.network.base import PaymentRequest
from lngym.scenario import WIRE_PREFIX, Scenario
from lngym.traffic.config import Span, TableReader, field_error
from lngym.traffic.models import Arrival, TrafficModel

_PUBKEY = re.compile(r"^0[23][0-9a-fA-F]{64}$")
_OWN_KEYS = ("source", "destination", "amount_sat", "interval_s", "count", "start_s", "description")
_SIMLN_KEYS = ("source", "destination", "amount_msat", "interval_secs", "count", "start_secs")
_RANGE = "or [low, high] with 0 <= low < high"


@dataclass(frozen=True)
class Activity:
    """One payment schedule; amounts are drawn in ``amount_unit_msat`` and paid in whole sat."""

    source: str
    destination: str
    amount: Span
    amount_unit_msat: int
    interval_s: Span
    count: int | None
    start_s: float | None
    description: str

    def amount_sat(self, rng: np.random.Generator) -> int:
        """An amount in whole sat (sub-sat SimLN amounts round to the nearest sat, at least 1)."""
        return max(1, round(self.amount.sample(rng) * self.amount_unit_msat / 1000))


class DefinedModel(TrafficModel):
    """Payments on explicit schedules: the scenario's activities, then those of a sim.json."""

    name = "defined"
    KEYS = ("activity", "sim_json")

    def __init__(self, scenario: Scenario, table: TableReader) -> None:
        raw = table.table.get("activity", [])
        if not isinstance(raw, list):
            raise table.fail("activity", "a list of [[traffic.defined.activity]] tables", raw)
        where = f"{table.where}.activity"
        self.activities = [
            _own_activity(scenario, TableReader(entry, f"{where}[{i}]", table.source, _OWN_KEYS))
            for i, entry in enumerate(raw)
        ]
        if table.has("sim_json"):
            path = Path(table.string("sim_json", None, "a path to a SimLN sim.json"))
            if not path.is_absolute() and scenario.path is not None:
                path = scenario.path.parent / path
            self.activities += read_sim_json(path, scenario)
        if not self.activities:
            raise table.fail("activity", "at least one activity (or a sim_json with some)", raw)

    def arrivals(self, rng: np.random.Generator) -> Iterator[Arrival]:
        """Merged schedules; finite when every activity has a count."""
        queue: list[tuple[float, int, int]] = []
        for index, activity in enumerate(self.activities):
            first = activity.start_s if activity.start_s is not None else activity.interval_s.sample(rng)
            queue.append((first, index, 0))
        heapq.heapify(queue)
        last = 0.0
        while queue:
            at_s, index, sent = heapq.heappop(queue)
            activity = self.activities[index]
            request = PaymentRequest(
                activity.source, activity.destination, activity.amount_sat(rng), activity.description
            )
            if activity.count is None or sent + 1 < activity.count:
                heapq.heappush(queue, (at_s + activity.interval_s.sample(rng), index, sent + 1))
            yield Arrival(at_s - last, at_s, request)
            last = at_s


def _own_activity(scenario: Scenario, entry: TableReader) -> Activity:
    """One ``[[traffic.defined.activity]]`` table, in sat and seconds."""
    source, destination = _ends(scenario, entry)
    start = None
    if entry.has("start_s"):
        start = entry.number("start_s", None, "a start time in seconds, 0 or more", 0.0, False)
    return Activity(
        source=source,
        destination=destination,
        amount=entry.span("amount_sat", f"whole sat above 0, {_RANGE}"),
        amount_unit_msat=1000,
        interval_s=entry.span("interval_s", f"seconds above 0, {_RANGE}"),
        count=entry.optional_integer("count", "a number of payments, at least 1"),
        start_s=start,
        description=entry.string("description", f"{source} to {destination}", "a non-empty string"),
    )


def read_sim_json(path: Path, scenario: Scenario) -> list[Activity]:
    """The ``activity`` entries of a SimLN sim.json, checked against the scenario's nodes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise field_error(str(path), "sim_json", "a readable SimLN sim.json", exc.strerror) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise field_error(str(path), "sim_json", "valid JSON", str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("activity"), list) or not data["activity"]:
        got = data.get("activity") if isinstance(data, dict) else data
        raise field_error(str(path), "activity", "a non-empty list of SimLN activities", got)
    activities = []
    for i, raw in enumerate(data["activity"]):
        entry = TableReader(raw, f"activity[{i}]", str(path), _SIMLN_KEYS)
        source, destination = _ends(scenario, entry)
        start = entry.optional_integer("start_secs", "seconds, 0 or more", 0)
        activities.append(
            Activity(
                source=source,
                destination=destination,
                amount=entry.span("amount_msat", f"msat above 0, {_RANGE}"),
                amount_unit_msat=1,
                interval_s=entry.span("interval_secs", f"seconds above 0, {_RANGE}"),
                count=entry.optional_integer("count", "a number of payments, at least 1"),
                start_s=float(start) if start is not None else None,
                description=f"SimLN activity {i}",
            )
        )
    return activities


def _ends(scenario: Scenario, entry: TableReader) -> tuple[str, str]:
    """Source and destination of an activity, which must be two different nodes."""
    source, destination = (_node(scenario, entry, key) for key in ("source", "destination"))
    if source == destination:
        got = entry.table.get("destination")
        raise entry.fail("destination", f"a node other than the source {source}", got)
    return source, destination


def _node(scenario: Scenario, entry: TableReader, key: str) -> str:
    """A scenario node from a name such as ``alice``, ``Alice`` or ``lnd-alice``."""
    value = entry.table.get(key)
    if isinstance(value, str) and _PUBKEY.match(value):
        raise entry.fail(key, "a node name; public keys are only known once the network runs", value)
    bare = value.lower() if isinstance(value, str) else value
    if isinstance(bare, str) and bare.startswith(WIRE_PREFIX):
        bare = bare[len(WIRE_PREFIX):]
    if bare not in scenario.nodes:
        raise entry.fail(key, f"a node of the scenario ({', '.join(scenario.nodes)})", value)
    return bare
