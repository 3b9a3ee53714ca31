"""``Workload``: a scenario's traffic model bound to a seed, consumed by count or by clock.

The ``[traffic]`` table chooses a model and may fix a seed::

    [traffic]
    model = "skewed"      # skewed (default) | random | defined | seed_mix | tidal
    seed = 7              # optional; `seed=` of from_scenario wins over it
    [traffic.skewed]      # settings of each model in its own sub-table
    [traffic.random]
    [traffic.defined]
    [traffic.seed_mix]
    [traffic.tidal]

Every sub-table present is validated, whichever model runs, so a typo in one
fails at load time rather than the day someone switches to it.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from typing import Iterator

import numpy as np

from lngym.network.base import PaymentRequest
from lngym.scenario import Scenario
from lngym.traffic.config import TableReader, field_error
from lngym.traffic.defined import DefinedModel
from lngym.traffic.models import Arrival, RandomModel, SkewedModel, TrafficModel
from lngym.traffic.seed_mix import SeedMixModel
from lngym.traffic.tidal import TidalModel

#: The models by the name used in ``[traffic] model = ...`` and ``--model``.
MODELS: dict[str, type[TrafficModel]] = {
    "skewed": SkewedModel,
    "random": RandomModel,
    "defined": DefinedModel,
    "seed_mix": SeedMixModel,
    "tidal": TidalModel,
}
DEFAULT_MODEL = "skewed"


class Workload:
    """A seeded, replayable stream of payment requests.

    ``next(n)`` serves runs of N payments; iterating yields ``Arrival``s (the
    request with its ``gap_s`` and ``at_s``) for runs paced by the clock. Both
    read the same stream, so the requests do not depend on which one is used.
    Draw from one thread (the producer of a run); payments may then go out
    concurrently, but their order of drawing is what the seed fixes.
    """

    def __init__(self, model: TrafficModel, seed: int | None = None) -> None:
        self.model = model
        self.reseed(seed)

    @classmethod
    def from_scenario(
        cls, scenario: Scenario, seed: int | None = None, model: str | None = None
    ) -> "Workload":
        """The workload of ``scenario``; ``seed`` and ``model`` override its [traffic] table."""
        source = str(scenario.path) if scenario.path else f"<scenario {scenario.name}>"
        table = TableReader(scenario.traffic, "traffic", source, ("model", "seed", *MODELS))
        name = model if model is not None else table.string("model", DEFAULT_MODEL, "a model name")
        if name not in MODELS:
            raise field_error(source, "traffic.model", f"one of {', '.join(MODELS)}", name)
        built = {
            key: factory(scenario, TableReader(table.table[key], f"traffic.{key}", source, factory.KEYS))
            for key, factory in MODELS.items()
            if table.has(key)
        }
        if name not in built:
            built[name] = MODELS[name](scenario, TableReader({}, f"traffic.{name}", source, ()))
        default_seed = table.optional_integer("seed", "a seed, a whole number of 0 or more", 0)
        return cls(built[name], seed if seed is not None else default_seed)

    @property
    def seed(self) -> int:
        """The seed in use (drawn at random when none was given), to log and replay a run."""
        return self._seed

    def reseed(self, seed: int | None) -> None:
        """Restart the stream from its first payment with ``seed`` (a fresh one if None)."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be a whole number of 0 or more, got {seed!r}")
        self._seed = seed if seed is not None else secrets.randbits(63)
        self._stream = self.model.arrivals(np.random.default_rng(self._seed))
        self._ahead: deque[Arrival] = deque()

    def next(self, n: int) -> list[PaymentRequest]:
        """The next ``n`` requests (fewer only when a finite ``defined`` workload runs out)."""
        return [arrival.request for arrival in self.next_timed(n)]

    def next_timed(self, n: int) -> list[Arrival]:
        """The next ``n`` arrivals with their timing."""
        self._check_count(n)
        taken = [self._ahead.popleft() for _ in range(min(n, len(self._ahead)))]
        return taken + list(itertools.islice(self._stream, n - len(taken)))

    def peek(self, n: int) -> list[PaymentRequest]:
        """The next ``n`` requests without consuming them (what a lookahead oracle is shown)."""
        self._check_count(n)
        self._ahead.extend(itertools.islice(self._stream, max(n - len(self._ahead), 0)))
        return [arrival.request for arrival in itertools.islice(self._ahead, n)]

    @staticmethod
    def _check_count(n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a whole number of 0 or more, got {n!r}")

    def __iter__(self) -> Iterator[Arrival]:
        return self

    def __next__(self) -> Arrival:
        return self._ahead.popleft() if self._ahead else next(self._stream)

    def __repr__(self) -> str:
        return f"Workload(model={self.model.name!r}, seed={self._seed})"
