"""Means with 95 % t-intervals: the one way every table in lngym states its uncertainty."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A mean and the half-width of its 95 % t-interval over ``n`` values (0 when n < 2)."""

    mean: float
    half_width: float
    n: int

    def scaled(self, factor: float) -> Interval:
        """The same interval in other units (e.g. shares to percent)."""
        return Interval(self.mean * factor, self.half_width * factor, self.n)


def mean_interval(values: Sequence[float]) -> Interval:
    """Mean and 95 % t-interval half-width; NaN mean for no values, so an empty cell never reads as 0."""
    if not values:
        return Interval(math.nan, math.nan, 0)
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Interval(mean, 0.0, 1)
    sem = statistics.stdev(values) / math.sqrt(len(values))
    return Interval(mean, float(stats.t.ppf(0.975, len(values) - 1)) * sem, len(values))
