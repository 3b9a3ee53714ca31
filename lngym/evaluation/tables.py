"""The evaluation table in three forms: rich for the terminal, markdown for RESULTS.md, CSV for tools."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from lngym.evaluation.intervals import Interval
from lngym.evaluation.summary import PolicySummary

#: Columns of summary.csv, in order (percentages are points of success).
SUMMARY_COLUMNS = (
    "policy", "episodes", "marked", "success_pct", "success_ci95", "diff_pct", "diff_ci95", "diff_n",
    "rebalance_fee_sat", "swap_server_fee_sat", "swap_miner_fee_sat", "swap_routing_fee_sat", "total_fee_sat",
    "volume_sat", "actions", "failures",
)


def _pm(interval: Interval | None, signed: bool = False) -> str:
    if interval is None:
        return "—"
    if math.isnan(interval.mean):
        return "n/a"
    return f"{interval.mean:{'+' if signed else ''}.1f} ± {interval.half_width:.1f}"


def rich_table(rows: Sequence[PolicySummary], title: str) -> Table:
    """The table ``lngym evaluate`` prints."""
    reference = rows[0].policy if rows else ""
    table = Table(title=title, title_justify="left", caption=(
        "success and Δ: % of payments, mean ± 95 % CI over episodes (Δ paired by seed); fees, volume and "
        "actions: mean per episode"), caption_justify="left")
    for header in ("policy", "n", "success %", f"Δ vs {reference}", "rebalance fee", "swap server fee",
                   "swap miner+routing fee", "volume", "actions"):
        table.add_column(header, justify="left" if header in ("policy", "failures") else "right",
                         overflow="fold")
    for row in rows:
        episodes = f"{row.episodes}" + (f"+{row.marked}!" if row.marked else "")
        table.add_row(
            row.policy, episodes, _pm(row.success), _pm(row.difference, signed=True),
            f"{row.fees['rebalance_fee_sat']:,.0f}", f"{row.fees['swap_server_fee_sat']:,.0f}",
            f"{row.fees['swap_miner_fee_sat'] + row.fees['swap_routing_fee_sat']:,.0f}",
            f"{row.volume_sat:,.0f}", f"{row.actions:.1f}",
        )
    return table


def markdown_table(rows: Sequence[PolicySummary]) -> list[str]:
    """The table as markdown lines (fees and volume are means per episode)."""
    reference = rows[0].policy if rows else ""
    lines = [
        (f"| policy | episodes | success % (± 95 % CI) | Δ vs {reference}, points (± 95 % CI) | rebalance fee | "
        "swap server fee | swap miner fee | swap routing fee | volume (sat) | actions |"),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        fees = row.fees
        lines.append(
            f"| {row.policy} | {row.episodes}{f' (+{row.marked} marked)' if row.marked else ''} | {_pm(row.success)} | "
            f"{_pm(row.difference, signed=True)} | {fees['rebalance_fee_sat']:,.0f} | "
            f"{fees['swap_server_fee_sat']:,.0f} | {fees['swap_miner_fee_sat']:,.0f} | "
            f"{fees['swap_routing_fee_sat']:,.0f} | {row.volume_sat:,.0f} | {row.actions:.1f} |"
        )
    return lines


def write_summary_csv(rows: Sequence[PolicySummary], path: Path) -> None:
    """summary.csv: one row per policy, intervals as mean and half-width columns."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_COLUMNS)
        for row in rows:
            diff = row.difference
            writer.writerow([
                row.policy, row.episodes, row.marked, f"{row.success.mean:.4f}", f"{row.success.half_width:.4f}",
                "" if diff is None else f"{diff.mean:.4f}", "" if diff is None else f"{diff.half_width:.4f}",
                "" if diff is None else diff.n,
                *(f"{row.fees[k]:.1f}" for k in ("rebalance_fee_sat", "swap_server_fee_sat", "swap_miner_fee_sat",
                                                 "swap_routing_fee_sat")),
                f"{row.fee_sat:.1f}", f"{row.volume_sat:.0f}", f"{row.actions:.2f}",
                ";".join(f"{reason}={count}" for reason, count in row.failures.items()),
            ])
