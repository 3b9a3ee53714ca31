"""The evaluation's pictures: success over the episode per policy, and one episode's balances per policy.

Drawn with matplotlib's Agg backend at a fixed size, so the PNGs are the same on
a headless CI machine and a laptop. Each function returns the Figure, so tests
and notebooks can look inside before (or instead of) saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lngym.evaluation.episodes import EpisodeResult
from lngym.evaluation.intervals import mean_interval

SIZE_INCHES = (9.6, 5.4)
DPI = 100
#: Policies often tie (e.g. two that never act); alternating dashes keeps every line visible.
LINE_STYLES = ("-", "--", "-.", ":")


def success_figure(results: Mapping[str, Sequence[EpisodeResult]], title: str) -> Figure:
    """Mean success rate at each step across complete episodes, one line per policy with its 95 % CI band."""
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    for number, (policy, episodes) in enumerate(results.items()):
        done = [e for e in episodes if e.complete and e.steps]
        if not done:
            continue
        length = min(len(e.steps) for e in done)
        intervals = [mean_interval([100 * e.steps[i].success_rate for e in done]) for i in range(length)]
        steps = np.arange(1, length + 1)
        means = np.array([i.mean for i in intervals])
        halves = np.array([i.half_width for i in intervals])
        (line,) = axes.plot(steps, means, LINE_STYLES[number % len(LINE_STYLES)], linewidth=1.8,
                            label=f"{policy} (n={len(done)})")
        axes.fill_between(steps, means - halves, means + halves, color=line.get_color(), alpha=0.15, linewidth=0)
    axes.set(title=title, xlabel="step", ylabel="payments succeeded in the step (%)", ylim=(0, 105))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", fontsize="small")
    return figure


def balances_figure(results: Mapping[str, Sequence[EpisodeResult]], channels: Sequence[str], episode: int,
                    title: str) -> Figure:
    """Each channel's share on its first node's side over one episode, a panel per policy."""
    policies = list(results)
    columns = min(len(policies), 3) or 1
    rows = -(-len(policies) // columns) or 1
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    panels = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
    for panel, policy in zip(panels.flat, policies):
        chosen = next((e for e in results[policy] if e.episode == episode), None)
        panel.set_title(policy, fontsize="medium")
        panel.set_ylim(0, 1)
        if chosen is None or not chosen.steps:
            panel.text(0.5, 0.5, "no steps", ha="center", va="center", transform=panel.transAxes)
            continue
        trajectory = np.array([s.balances for s in chosen.steps])
        steps = np.arange(1, len(chosen.steps) + 1)
        for index, channel in enumerate(channels):
            panel.plot(steps, trajectory[:, index], linewidth=1, label=channel)
        panel.grid(alpha=0.3)
        panel.xaxis.set_major_locator(MaxNLocator(integer=True))
    for panel in panels.flat[len(policies):]:
        panel.set_visible(False)
    handles, labels = panels[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right upper", fontsize="small", title="channel")
    figure.supxlabel("step")
    figure.supylabel("share of capacity on the first node's side")
    figure.suptitle(title)
    return figure
