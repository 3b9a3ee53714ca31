"""What an evaluation leaves on disk: steps.csv as it goes, then the summary tables and the plots."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from lngym.evaluation.episodes import FEE_KINDS, EpisodeResult
from lngym.evaluation.figures import balances_figure, success_figure
from lngym.evaluation.tables import markdown_table, write_summary_csv
from lngym.scenario import Scenario

if TYPE_CHECKING:
    from lngym.evaluation.evaluate import Evaluation


def channel_labels(scenario: Scenario) -> list[str]:
    """``a-b`` per channel in scenario order (``#i`` appended where a pair has several channels)."""
    labels = [f"{c.a}-{c.b}" for c in scenario.channels]
    return [label if labels.count(label) == 1 else f"{label}#{i}" for i, label in enumerate(labels)]


class StepsLog:
    """steps.csv: one row per policy, episode and step, flushed after every episode.

    ``lngym report`` reads it as a per-step log (``step``, ``success_rate``, ``balance_<channel>``).
    """

    def __init__(self, out: Path, labels: list[str]) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / "steps.csv"
        self._handle = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed by close())
        self._writer = csv.writer(self._handle)
        self._writer.writerow([
            "policy", "episode", "seed", "step", "payments", "successes", "success_rate", "reward", "volume_sat",
            *FEE_KINDS, "fee_sat", "actions", "skipped", "failures", "nodes_down",
            *(f"balance_{label}" for label in labels)])
        self._handle.flush()

    def write(self, episode: EpisodeResult) -> None:
        for s in episode.steps:
            self._writer.writerow([
                s.policy, s.episode, s.seed, s.step, s.payments, s.successes, f"{s.success_rate:.4f}",
                f"{s.reward:.6f}", s.volume_sat, *(f"{s.fees[k]:.3f}" for k in FEE_KINDS), f"{s.fee_sat:.3f}",
                s.actions, s.skipped, ";".join(f"{reason}={count}" for reason, count in sorted(s.failures.items())),
                ";".join(s.nodes_down), *(f"{b:.4f}" for b in s.balances),
            ])
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def write_summary_files(evaluation: Evaluation, out: Path) -> dict[str, Path]:
    """summary.csv, summary.md, success.png and balances.png beside steps.csv; every file by name."""
    files = {name: out / name for name in ("steps.csv", "summary.csv", "summary.md", "success.png", "balances.png")}
    write_summary_csv(evaluation.summaries, files["summary.csv"])
    files["summary.md"].write_text("\n".join([f"## {evaluation.title}", "", *markdown_table(evaluation.summaries),
                                              *_marked_lines(evaluation.results), ""]), encoding="utf-8")
    success_figure(evaluation.results, evaluation.title).savefig(files["success.png"])
    first_seed = next((episodes[0].seed for episodes in evaluation.results.values() if episodes), 0)
    balances_figure(evaluation.results, channel_labels(evaluation.scenario), 0,
                    f"{evaluation.scenario.name}: balances in episode 0 (seed {first_seed})").savefig(files["balances.png"])
    return files


def _marked_lines(results: dict[str, list[EpisodeResult]]) -> list[str]:
    marked = [e for episodes in results.values() for e in episodes if not e.complete]
    if not marked:
        return []
    return ["", "Marked episodes (left out of the intervals):", "",
            *(f"- {e.policy}, episode {e.episode} (seed {e.seed}): {e.problem}" for e in marked)]
