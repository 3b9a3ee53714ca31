"""Twin vs live LND on the same seeded episodes, closed loop: how far apart do the two evaluations land?

    .venv/bin/python benchmarks/twin_vs_live.py TWIN/steps.csv LIVE/steps.csv

Both files are ``lngym evaluate`` outputs of the same scenario, policies, seeds
and episode length, one with ``--backend sim`` and one with ``--backend live``.
Each backend's policies decide from that backend's own state (circular
rebalances and swaps included), so this measures the whole loop, not one
payment at a time as ``benchmarks/fidelity.py`` does: small differences
compound over an episode. Reported per policy: success on each backend (mean ±
95 % CI over episodes), the paired difference live − twin, the share of steps
whose success count is the same on both, and the mean absolute difference of
each channel's split at the end of the episode (in % of capacity).
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from lngym.evaluation import mean_interval

Key = tuple[str, str, str]  # policy, seed, step


def read_steps(path: Path) -> dict[Key, dict[str, str]]:
    """Rows of a steps.csv keyed by (policy, seed, step)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {(r["policy"], r["seed"], r["step"]): r for r in csv.DictReader(handle)}


def episode_success(rows: dict[Key, dict[str, str]]) -> dict[tuple[str, str], float]:
    """Share of each (policy, seed) episode's payments that succeeded, in one pass over the rows."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (policy, seed, _), row in rows.items():
        counts[(policy, seed)][0] += int(row["successes"])
        counts[(policy, seed)][1] += int(row["payments"])
    return {episode: ok / max(tried, 1) for episode, (ok, tried) in counts.items()}


def compare(twin: dict[Key, dict[str, str]], live: dict[Key, dict[str, str]]) -> list[str]:
    """Markdown lines: one row per policy, over the (seed, step) keys both files have."""
    common = sorted(set(twin) & set(live))
    policies = list(dict.fromkeys(key[0] for key in twin if key in live))  # in the run's order
    twin_episodes, live_episodes = episode_success(twin), episode_success(live)
    lines = [("| policy | episodes | twin success % | live success % | live − twin, points (paired) | steps with equal "
             "success | final split, mean abs. difference (% of capacity) |"), "|---|---|---|---|---|---|---|"]
    for policy in policies:
        keys = [k for k in common if k[0] == policy]
        seeds = sorted({s for _, s, _ in keys}, key=int)
        twin_success = [100 * twin_episodes[(policy, s)] for s in seeds]
        live_success = [100 * live_episodes[(policy, s)] for s in seeds]
        same = sum(twin[k]["successes"] == live[k]["successes"] for k in keys) / len(keys)
        last: dict[str, int] = defaultdict(int)
        for _, seed, step in keys:
            last[seed] = max(last[seed], int(step))
        drift = []
        for seed, step in last.items():
            a, b = twin[(policy, seed, str(step))], live[(policy, seed, str(step))]
            drift += [abs(float(a[c]) - float(b[c])) for c in a if c.startswith("balance_")]
        t, l = mean_interval(twin_success), mean_interval(live_success)
        d = mean_interval([x - y for x, y in zip(live_success, twin_success)])
        lines.append(f"| {policy} | {len(seeds)} | {t.mean:.1f} ± {t.half_width:.1f} | {l.mean:.1f} ± {l.half_width:.1f} "
                     f"| {d.mean:+.1f} ± {d.half_width:.1f} | {100 * same:.1f} % | "
                     f"{100 * sum(drift) / max(len(drift), 1):.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("twin", type=Path, help="steps.csv of the --backend sim run")
    parser.add_argument("live", type=Path, help="steps.csv of the --backend live run")
    args = parser.parse_args()
    print("\n".join(compare(read_steps(args.twin), read_steps(args.live))))


if __name__ == "__main__":
    main()
