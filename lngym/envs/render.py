"""Pictures of the network state: a text balance table, and a figure a person can read.

The figure is drawn with matplotlib (imported here, on the first render, so
``import lngym`` stays light) and has two panels: the graph, where every
channel is a bar between its two nodes split where its liquidity divides (blue
on the first node ``a``'s side, orange on ``b``'s), and a list of channels with
the same two-coloured bar and both shares as text. The list holds every
channel of a small network and the most one-sided ones of a large network, so
the picture stays legible at any size up to the 1,000-node scenario. Its size
in pixels never changes, which is what video encoders and RecordVideo need.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lngym.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Pixel size of every rgb_array frame (width, height), whatever the scenario.
FRAME_SIZE = (960, 540)
DPI = 96
SIDE_A = "#1f77b4"
SIDE_B = "#ff7f0e"
NODE = "#303030"
#: Channels listed beside the graph (all of them in a smaller network).
MAX_LISTED = 16
#: Node names written on the graph (the best-connected ones in a larger network).
MAX_NODE_LABELS = 24
#: Room a node name needs on the graph (unit square) before a neighbour's may be written.
LABEL_WIDTH, LABEL_HEIGHT = 0.09, 0.035
#: Up to this many channels, each bar on the graph carries its two shares as text.
MAX_SHARE_LABELS = 12
ANSI_BAR = 20


def ansi_table(scenario: Scenario, ratios: Sequence[float] | np.ndarray, header: str = "") -> str:
    """One line per channel: its ends, a bar of a's share, and the share in percent."""
    width = max((len(c.a) + len(c.b) for c in scenario.channels), default=0) + 3
    lines = [header] if header else []
    for spec, ratio in zip(scenario.channels, ratios):
        filled = round(float(ratio) * ANSI_BAR)
        bar = "#" * filled + "." * (ANSI_BAR - filled)
        lines.append(f"{(spec.a + ' - ' + spec.b):<{width}} [{bar}] {ratio * 100:5.1f}% on {spec.a}")
    return "\n".join(lines) + "\n"


def title_of(scenario: Scenario, step: int, success_rate: float | None) -> str:
    """What the picture is of: scenario, step, and the last step's success rate."""
    rate = "–" if success_rate is None else f"{success_rate:.0%}"
    return f"{scenario.name}  ·  step {step}  ·  success rate {rate}"


def layout(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Node positions in the unit square.

    A small network sits on a circle (the seed's ring reads as a ring). A
    larger one is placed on a sunflower spiral in order of degree, hubs in the
    middle: cheap for 1,000 nodes, deterministic, and a scale-free graph's
    many leaves end up on the rim instead of on top of each other.
    """
    nodes = scenario.nodes
    if len(nodes) <= 12:
        return {name: (0.5 + 0.42 * math.cos(2 * math.pi * i / len(nodes) + math.pi / 2),
                       0.5 + 0.42 * math.sin(2 * math.pi * i / len(nodes) + math.pi / 2))
                for i, name in enumerate(nodes)}
    degree = _degrees(scenario)
    ranked = sorted(nodes, key=lambda name: (-degree[name], nodes.index(name)))
    golden = math.pi * (3.0 - math.sqrt(5.0))
    return {name: (0.5 + 0.46 * math.sqrt((i + 0.5) / len(ranked)) * math.cos(i * golden),
                   0.5 + 0.46 * math.sqrt((i + 0.5) / len(ranked)) * math.sin(i * golden))
            for i, name in enumerate(ranked)}


def listed_channels(ratios: Sequence[float] | np.ndarray) -> list[int]:
    """Channels shown in the list: all of a small network, else the most one-sided, in scenario order."""
    count = len(ratios)
    if count <= MAX_LISTED:
        return list(range(count))
    skew = np.abs(np.asarray(ratios, dtype=np.float64) - 0.5)
    return sorted(np.argsort(-skew, kind="stable")[:MAX_LISTED].tolist())


def labelled_nodes(scenario: Scenario, where: dict[str, tuple[float, float]]) -> list[str]:
    """Every node of a small network; else the best-connected ones whose names would not overlap."""
    if len(scenario.nodes) <= MAX_NODE_LABELS:
        return list(scenario.nodes)
    degree = _degrees(scenario)
    chosen: list[str] = []
    for name in sorted(scenario.nodes, key=lambda node: -degree[node]):
        x, y = where[name]
        if all(abs(x - where[other][0]) > LABEL_WIDTH or abs(y - where[other][1]) > LABEL_HEIGHT for other in chosen):
            chosen.append(name)
            if len(chosen) == MAX_NODE_LABELS:
                break
    return chosen


def network_figure(scenario: Scenario, ratios: Sequence[float] | np.ndarray, step: int = 0,
                   success_rate: float | None = None) -> Figure:
    """The whole picture as a matplotlib Figure on the Agg canvas (tests read its text objects)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shares = np.clip(np.asarray(ratios, dtype=np.float64), 0.0, 1.0)
    figure = Figure(figsize=(FRAME_SIZE[0] / DPI, FRAME_SIZE[1] / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(title_of(scenario, step, success_rate), fontsize=13)
    graph = figure.add_axes((0.01, 0.08, 0.52, 0.82))
    listing = figure.add_axes((0.66, 0.08, 0.24, 0.82))
    _draw_graph(graph, scenario, shares)
    _draw_list(listing, scenario, shares)
    _draw_legend(figure)
    return figure


def rgb_array(figure: Figure) -> np.ndarray:
    """The figure's pixels as an (H, W, 3) uint8 array."""
    canvas: Any = figure.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def _draw_graph(axes: Any, scenario: Scenario, shares: np.ndarray) -> None:
    """Nodes, and each channel as a bar from a to b split at a's share."""
    from matplotlib.collections import LineCollection

    where = layout(scenario)
    ends = np.array([(where[c.a], where[c.b]) for c in scenario.channels], dtype=np.float64).reshape(-1, 2, 2)
    split = ends[:, 0] + (ends[:, 1] - ends[:, 0]) * shares[:, None]
    crowded = len(scenario.channels) > 50
    width = 0.6 if crowded else 5.0
    axes.add_collection(LineCollection(list(np.stack([ends[:, 0], split], axis=1)), colors=SIDE_A, linewidths=width,
                                       alpha=0.7 if crowded else 1.0, zorder=1))
    axes.add_collection(LineCollection(list(np.stack([split, ends[:, 1]], axis=1)), colors=SIDE_B, linewidths=width,
                                       alpha=0.7 if crowded else 1.0, zorder=1))
    points = np.array(list(where.values()))
    axes.scatter(points[:, 0], points[:, 1], s=4 if crowded else 160, c=NODE, zorder=2)
    if len(scenario.channels) <= MAX_SHARE_LABELS:
        for (a, b), share in zip(ends, shares):
            _share_text(axes, a + (b - a) * 0.22, f"{share:.0%}", SIDE_A)
            _share_text(axes, a + (b - a) * 0.78, f"{1 - share:.0%}", SIDE_B)
    labelled = labelled_nodes(scenario, where)
    for name in labelled:
        x, y = where[name]
        outward = np.array([x - 0.5, y - 0.5])
        norm = float(np.hypot(*outward)) or 1.0
        dx, dy = outward / norm * (0.07 if not crowded else 0.0)
        axes.text(x + dx, y + dy, name, ha="center", va="center", fontsize=11 if not crowded else 7,
                  fontweight="bold", zorder=3, gid="node-label",
                  bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    if len(labelled) < len(scenario.nodes):
        axes.text(0.0, 0.0, f"{len(scenario.nodes):,} nodes, {len(scenario.channels):,} channels; "
                            f"{len(labelled)} of the best-connected named", fontsize=8, color="#555555")
    axes.set_xlim(-0.05, 1.05)
    axes.set_ylim(-0.05, 1.05)
    axes.set_aspect("equal")
    axes.axis("off")


def _share_text(axes: Any, where: np.ndarray, text: str, colour: str) -> None:
    axes.text(where[0], where[1], text, ha="center", va="center", fontsize=9, color="white", zorder=3,
              gid="share-label", bbox={"boxstyle": "round,pad=0.2", "fc": colour, "ec": "none"})


def _draw_list(axes: Any, scenario: Scenario, shares: np.ndarray) -> None:
    """A two-coloured bar per listed channel with both shares written beside it."""
    shown = listed_channels(shares)
    rows = np.arange(len(shown))[::-1]
    values = shares[shown]
    axes.barh(rows, values, color=SIDE_A, height=0.7)
    axes.barh(rows, 1.0 - values, left=values, color=SIDE_B, height=0.7)
    axes.set_yticks(rows, [f"{scenario.channels[i].a} – {scenario.channels[i].b}" for i in shown],
                    fontsize=9 if len(shown) <= 8 else 7)
    for row, share in zip(rows, values):
        axes.text(1.02, row, f"{share:.0%} | {1 - share:.0%}", va="center", fontsize=8, gid="share-label")
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.6, max(len(shown), 1) - 0.4)
    axes.set_xticks([0, 0.5, 1], ["0", "½", "1"], fontsize=8)
    axes.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    listed = "every channel" if len(shown) == len(shares) else f"the {len(shown)} most one-sided channels"
    axes.set_title(f"{listed}: share on each side", fontsize=10)


def _draw_legend(figure: Figure) -> None:
    from matplotlib.patches import Patch

    figure.legend(handles=[Patch(color=SIDE_A, label="liquidity on the channel's first node (a)"),
                           Patch(color=SIDE_B, label="liquidity on its second node (b)")],
                  loc="lower center", ncol=2, fontsize=9, frameon=False)


def _degrees(scenario: Scenario) -> Counter[str]:
    degree: Counter[str] = Counter({name: 0 for name in scenario.nodes})
    for channel in scenario.channels:
        degree[channel.a] += 1
        degree[channel.b] += 1
    return degree


class Window:
    """``render_mode="human"``: the same figure in a matplotlib window, redrawn on every step.

    Where no window can open (a headless machine, a non-interactive matplotlib backend)
    it warns once, at construction, and shows nothing: a headless user running
    Gymnasium's ``check_env`` or a script written for a desktop gets a working env and
    one clear line, not a failure at ``gym.make``; ``rgb_array`` is the mode that draws there.
    """

    def __init__(self) -> None:
        self._pyplot = _interactive_pyplot()
        self._figure: Any = None

    @property
    def can_show(self) -> bool:
        """Whether frames reach a window here."""
        return self._pyplot is not None

    def show(self, figure: Figure) -> None:
        """Put ``figure``'s content in the window (opened on first use) and let it repaint."""
        plt = self._pyplot
        if plt is None:
            return
        if self._figure is None or not plt.fignum_exists(self._figure.number):
            self._figure = plt.figure("lngym", figsize=figure.get_size_inches(), dpi=figure.dpi)
        self._figure.clear()
        image = rgb_array(figure)
        axes = self._figure.add_axes((0, 0, 1, 1))
        axes.imshow(image)
        axes.axis("off")
        plt.show(block=False)
        plt.pause(0.001)

    def close(self) -> None:
        """Close the window if it is open."""
        if self._figure is not None:
            self._pyplot.close(self._figure)
            self._figure = None


def _interactive_pyplot() -> Any:
    """pyplot on a backend that can open windows, or None (with a warning saying why not)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return _no_window("there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                          "use render_mode='rgb_array' (or RecordVideo), or run under xvfb-run")
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.backends import BackendFilter, backend_registry

    backend = matplotlib.get_backend()
    if backend.lower() not in backend_registry.list_builtin(BackendFilter.INTERACTIVE):
        return _no_window(f"matplotlib's backend {backend!r} cannot open a window "
                          "(set MPLBACKEND=TkAgg or install a GUI toolkit such as tkinter)")
    return plt


def _no_window(why: str) -> None:
    warnings.warn(f"render_mode='human' shows nothing here: {why}", RuntimeWarning, stacklevel=4)
    return None
