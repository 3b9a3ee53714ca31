"""The report's pictures, as matplotlib Figures (on the Agg canvas, so no display is needed).

Each function returns a Figure, and ``figures`` returns those the CSV has data
for, so tests can read titles, axis labels and lines instead of pixels.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from lngym.report.reading import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE = (9.6, 4.8)
DPI = 100
OK, FAILED = "#2ca02c", "#d62728"


def figures(report: Report) -> dict[str, Figure]:
    """Name -> figure, in the order the index shows them."""
    result = {"success_rate": success_rate_figure(report)}
    if report.kind == "payments" or {"volume_sat", "fee_sat"} & report.columns.keys():
        result["volume_fees"] = volume_fees_figure(report)
    if report.balances:
        result["balances"] = balances_figure(report)
    if report.kind == "payments":
        result["failure_reasons"] = failure_reasons_figure(report)
    return result


def rolling_window(payments: int) -> int:
    """Payments per point of the rolling success rate: about a twentieth of the run, 10 to 100."""
    return int(min(100, max(10, payments // 20)))


def success_rate_figure(report: Report) -> Figure:
    """Rolling and overall success rate over time (payments) or per step (per-step log)."""
    figure, axes = _figure()
    if report.kind == "steps":
        steps = _steps(report)
        if "success_rate" in report.columns:
            axes.plot(steps, report.columns["success_rate"], label="success rate of the step")
        if "reward" in report.columns:
            axes.plot(steps, report.columns["reward"], label="reward", alpha=0.8)
        axes.set_xlabel("step (in file order)")
        axes.set_title("Success rate per step")
    else:
        payment = np.array([kind == "payment" for kind in report.text["kind"]])
        times = [t for t, p in zip(report.times, payment) if p]
        outcome = report.columns["success"][payment].astype(np.float64)
        if len(outcome):
            window = rolling_window(len(outcome))
            rolling = np.convolve(outcome, np.ones(window), "full")[:len(outcome)] / np.minimum(
                np.arange(1, len(outcome) + 1), window)
            axes.plot(times, rolling, label=f"last {window} payments")
            axes.plot(times, np.cumsum(outcome) / np.arange(1, len(outcome) + 1), "--", label="since the start")
        _mark_actions(axes, report, payment)
        axes.set_xlabel("time (UTC)")
        axes.set_title("Success rate of payments over time")
        _time_axis(axes)
    axes.set_ylabel("success rate")
    axes.set_ylim(-0.02, 1.05)
    axes.legend(loc="lower left")
    return figure


def volume_fees_figure(report: Report) -> Figure:
    """Cumulative volume sent and fees paid: payments' routing fees and rebalancing fees apart."""
    figure = _blank()
    volume, fees = figure.subplots(2, 1, sharex=True)
    if report.kind == "steps":
        x: Any = _steps(report)
        if "volume_sat" in report.columns:
            volume.plot(x, np.cumsum(report.columns["volume_sat"]), label="volume")
        if "fee_sat" in report.columns:
            fees.plot(x, np.cumsum(report.columns["fee_sat"]), label="fees")
        fees.set_xlabel("step (in file order)")
    else:
        x = report.times
        ok = report.columns["success"]
        payment = np.array([kind == "payment" for kind in report.text["kind"]])
        volume.plot(x, np.cumsum(np.where(ok & payment, report.columns["amount_sat"], 0)), label="payments")
        fees.plot(x, np.cumsum(np.where(ok & payment, report.columns["fee_sat"], 0.0)), label="routing fees of payments")
        fees.plot(x, np.cumsum(np.where(ok & ~payment, report.columns["fee_sat"], 0.0)),
                  label="fees of rebalances and swaps")
        fees.set_xlabel("time (UTC)")
        _time_axis(fees)
    volume.set_ylabel("volume sent (sat)")
    fees.set_ylabel("fees paid (sat)")
    volume.set_title("Volume and fees, cumulative (successful attempts)")
    for axes in (volume, fees):
        axes.legend(loc="upper left")
    return figure


def balances_figure(report: Report) -> Figure:
    """One line per channel: its share on its first node's side (or its balance in sat)."""
    figure, axes = _figure()
    x: Any = report.times if report.kind == "payments" else _steps(report)
    for channel, values in report.balances.items():
        axes.plot(x, values, label=channel, linewidth=1.2)
    shares = all(np.nanmax(np.abs(values)) <= 1.0 for values in report.balances.values())
    axes.set_ylabel("share on the channel's first node" if shares else "balance of the first node (sat)")
    if report.kind == "payments":
        axes.set_xlabel("time (UTC)")
        _time_axis(axes)
    else:
        axes.set_xlabel("step (in file order)")
    axes.set_title(f"Channel balances ({len(report.balances)} channels)")
    if len(report.balances) <= 12:
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return figure


def failure_reasons_figure(report: Report) -> Figure:
    """How often each reason was given, payments and rebalances/swaps counted apart."""
    figure, axes = _figure()
    counts = Counter(
        (reason or "(no reason given)") + ("" if kind == "payment" else f" [{kind}]")
        for reason, kind, ok in zip(report.text["failure_reason"], report.text["kind"], report.columns["success"])
        if not ok)
    if counts:
        labels, values = zip(*counts.most_common(15)[::-1])
        axes.barh(range(len(values)), values, color=FAILED)
        axes.set_yticks(range(len(values)), [label if len(label) <= 90 else label[:89] + "…" for label in labels], fontsize=8)
    else:
        axes.text(0.5, 0.5, "no failures", ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_xlabel("failed attempts")
    axes.set_ylabel("reason")
    axes.set_title(f"Failure reasons ({sum(counts.values()):,} failed of {report.rows:,} attempts)")
    return figure


def _blank() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _figure() -> tuple[Figure, Any]:
    figure = _blank()
    return figure, figure.add_subplot()


def _steps(report: Report) -> np.ndarray:
    return np.arange(1, report.rows + 1)


def _mark_actions(axes: Any, report: Report, payment: np.ndarray) -> None:
    """A tick at the bottom for each rebalance or swap, green if it went through, red if not."""
    for ok, colour, label in ((True, OK, "rebalance or swap"), (False, FAILED, "failed rebalance or swap")):
        times = [t for t, p, s in zip(report.times, payment, report.columns["success"]) if not p and s == ok]
        if times:
            axes.plot(times, [0.0] * len(times), "|", color=colour, markersize=12, label=label)


def _time_axis(axes: Any) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
