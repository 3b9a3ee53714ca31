"""Pictures of the network state: a text balance table and an RGB image.

The image is drawn with numpy alone (no matplotlib), so rendering adds no
dependency and stays fast enough to record videos: nodes sit on a circle and
every channel is a bar from ``a`` to ``b`` whose ``a`` part (blue) is as long
as ``a``'s share of the capacity, the rest (orange) being ``b``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lngym.scenario import Scenario

SIZE = 480
BACKGROUND = (255, 255, 255)
SIDE_A = (31, 119, 180)
SIDE_B = (255, 127, 14)
NODE = (40, 40, 40)
BAR = 20


def ansi_table(scenario: Scenario, ratios: Sequence[float] | np.ndarray, header: str = "") -> str:
    """One line per channel: its ends, a bar of a's share, and the share in percent."""
    width = max((len(c.a) + len(c.b) for c in scenario.channels), default=0) + 3
    lines = [header] if header else []
    for spec, ratio in zip(scenario.channels, ratios):
        filled = round(float(ratio) * BAR)
        bar = "#" * filled + "." * (BAR - filled)
        lines.append(f"{(spec.a + ' - ' + spec.b):<{width}} [{bar}] {ratio * 100:5.1f}% on {spec.a}")
    return "\n".join(lines) + "\n"


def rgb_image(scenario: Scenario, ratios: Sequence[float] | np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 picture of the graph with a balance bar per channel."""
    image = np.empty((SIZE, SIZE, 3), dtype=np.uint8)
    image[:] = BACKGROUND
    count = len(scenario.nodes)
    centre, radius = SIZE / 2, SIZE * 0.42
    where = {
        name: (centre + radius * math.cos(2 * math.pi * i / count - math.pi / 2),
               centre + radius * math.sin(2 * math.pi * i / count - math.pi / 2))
        for i, name in enumerate(scenario.nodes)
    }
    half = 3 if len(scenario.channels) <= 50 else 0  # thick bars unless the graph is crowded
    for spec, ratio in zip(scenario.channels, ratios):
        (x0, y0), (x1, y1) = where[spec.a], where[spec.b]
        xm, ym = x0 + (x1 - x0) * ratio, y0 + (y1 - y0) * ratio
        _segment(image, x0, y0, xm, ym, SIDE_A, half)
        _segment(image, xm, ym, x1, y1, SIDE_B, half)
    dot = max(2, min(8, int(SIZE / (4 * max(count, 1)))))
    for x, y in where.values():
        image[max(0, int(y) - dot):int(y) + dot + 1, max(0, int(x) - dot):int(x) + dot + 1] = NODE
    return image


def _segment(
    image: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int], half: int
) -> None:
    """A straight line ``2·half + 1`` pixels wide, drawn by stamping squares along it."""
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    xs = np.linspace(x0, x1, steps).round().astype(int)
    ys = np.linspace(y0, y1, steps).round().astype(int)
    for dx in range(-half, half + 1):
        for dy in range(-half, half + 1):
            image[np.clip(ys + dy, 0, SIZE - 1), np.clip(xs + dx, 0, SIZE - 1)] = colour
