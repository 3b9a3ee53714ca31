"""Fidelity of the twin: one seeded trace on the live seed network and on ``Sim.from_network``.

    .venv/bin/python benchmarks/fidelity.py [--scenario seed] [--payments 1000] [--seed 1] [--rebalance-every 50]

Starts a fresh live network of the scenario (real lnd + btcd, node data on tmpfs;
``seed`` by default, ``seed-fidelity`` is the seed without equally cheap routes), builds
its twin from it, checks both start identical, then replays the seed's skewed
workload one payment at a time on both, with a baseline-rebalancer round every
``--rebalance-every`` payments (decided from the live state, carried out on
both). Prints per-payment success agreement, the success-rate gap, the final
drift per channel and every disagreement with its cause; ``--json`` keeps the
whole comparison. Goals (issue 6): agreement ≥ 95%, gap ≤ 2 points, final
balances within 1% of capacity per channel.

Two references come with it. A shadow twin is put back to the live balances
before each step: its agreement is the model's, one payment at a time. And
``--live-twice`` replays the very same steps on live once more after a reset:
LND breaks ties between equally good routes at random (Go map order), so two
live runs of one trace drift apart too, which bounds what any twin can reach.

A scenario with a ``[swap]`` server (``--scenario merchants``, ``relay``) is
replayed as the env plays it: rounds of ``payments_per_step`` payments (its
[env] settings), each after the decisions of ``--policy`` (default
``combined``; rebalances and Loop In/Out, carried out by an ``Executor`` on each
side) and followed by ``blocks_per_step`` blocks mined on both, so swaps end
after their confirmations. The twin starts from the live wallets and height;
a node's first on-chain send costs what LND's ``EstimateFee`` says, each later
one what a send from LND's taproot change weighs at that rate. Printed besides: agreement of swap starts and ends, the swaps' fees on
each side, and the final confirmed wallets (live − twin per node).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import asdict, astuple
from pathlib import Path

from lngym.envs.config import merge_config
from lngym.fidelity import (
    SWAP_END,
    Comparison,
    Replay,
    Summary,
    drift_sat,
    outcome,
    run_step,
    summarise,
)
from lngym.network import ManagedNetwork, make
from lngym.network.base import PaymentResult, Snapshot
from lngym.network.native import NativeNetwork
from lngym.network.sim import Sim
from lngym.network.sim import constants as K
from lngym.policies import BaselineRebalancer, Executor, make_policy
from lngym.traffic import Workload

#: The send whose miner fee calibrates the twin (one input, two outputs, like every swap's send here).
CALIBRATION_SEND_SAT = 100_000


def main() -> None:
    """Run the replay and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="seed", help="scenario name or .toml path (default: seed)")
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebalance-every", type=int, default=50)
    parser.add_argument("--json", type=Path, default=None, help="write every comparison here")
    parser.add_argument("--live-twice", action="store_true", help="replay the steps on live again")
    parser.add_argument("--policy", default="combined", help="with a [swap] server: the baseline that decides")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lngym-fidelity-"))
    live = make("native", args.scenario, home=home, tmpfs=True)
    if live.scenario.swap is not None and args.live_twice:
        shutil.rmtree(home, ignore_errors=True)
        parser.error("--live-twice replays payments and rebalances after a reset; a swap scenario's "
                     "wallets and chain do not reset, so its trace cannot be replayed that way")
    try:
        started = time.monotonic()
        live.up()
        print(f"live {live.scenario.name} network up in {time.monotonic() - started:.1f} s")
        live.reset_balances()
        check_policies(live)
        if live.scenario.swap is not None:
            swap_replay(live, args)
            return
        twin, shadow = Sim.from_network(live), Sim.from_network(live)
        start_drift = drift_sat(live.snapshot(), twin.snapshot())
        print(f"start: largest balance difference {max(start_drift)} sat")
        requests = Workload.from_scenario(live.scenario, seed=args.seed).next(args.payments)
        replay = Replay(live, twin, BaselineRebalancer(), args.rebalance_every, shadow=shadow)
        started = time.monotonic()
        comparisons = replay.run(requests)
        elapsed = time.monotonic() - started
        final = live.snapshot()
        summary = summarise(comparisons, final, twin.snapshot())
        report(summary, comparisons, elapsed)
        if args.json is not None:
            dump(args.json, summary, comparisons)
        if args.live_twice:
            live_again(live, comparisons, final)
    finally:
        live.clean()
        shutil.rmtree(home, ignore_errors=True)


def swap_replay(live: ManagedNetwork, args: argparse.Namespace) -> None:
    """The env's trace — decisions, payments, blocks — on live and on its calibrated twin."""
    assert live.scenario.swap is not None
    send_fee, change_fee = send_fees_sat(live)
    twin = Sim.from_network(live, send_fee_sat=send_fee, change_send_fee_sat=change_fee)
    print(f"twin: wallets and height {twin.height()} from live; a first on-chain send costs {send_fee} sat, "
          f"one from change {change_fee} (LND's estimates; the scenario says {live.scenario.swap.miner_fee_sat})")
    print(f"start: largest balance difference {max(drift_sat(live.snapshot(), twin.snapshot()))} sat")
    config = merge_config(live.scenario.env, {})
    per_round = config["payments_per_step"]
    requests = Workload.from_scenario(live.scenario, seed=args.seed).next(args.payments)
    rounds = [requests[i:i + per_round] for i in range(0, len(requests), per_round)]
    executors = (
        Executor(live, config["rebalance_max_fee_ppm"], config["rebalance_min_fee_sat"]),
        Executor(twin, config["rebalance_max_fee_ppm"], config["rebalance_min_fee_sat"]),
    )
    replay = Replay(live, twin)
    started = time.monotonic()
    comparisons = replay.run_rounds(rounds, make_policy(args.policy), executors, config["blocks_per_step"])
    elapsed = time.monotonic() - started
    summary = summarise(comparisons, live.snapshot(), twin.snapshot(), replay.wallets)
    report(summary, comparisons, elapsed)
    report_swaps(summary, comparisons, replay)
    if args.json is not None:
        dump(args.json, summary, comparisons)


def send_fees_sat(live: ManagedNetwork) -> tuple[dict[str, int], int]:
    """What LND's wallet of each node with coins would pay now for a swap-sized send to the
    server (its EstimateFee), and what one from the taproot change a send leaves costs
    (its weight at the rate lnd takes from btcd's estimatefee for its default 6 blocks)."""
    assert isinstance(live, NativeNetwork) and live.scenario.swap is not None and live.cluster.btcd is not None
    address = live.cluster.node(live.scenario.swap.server).client.new_address()
    first = {
        node: int(live.cluster.node(node).client.estimate_fee(address, CALIBRATION_SEND_SAT).fee_sat)
        for node, funds in live.wallet_balances().items() if funds > 2 * CALIBRATION_SEND_SAT
    }
    per_kw = int(float(live.cluster.btcd.rpc("estimatefee", 6)) * 100_000_000 / 4)  # BTC/kvB → sat/kw
    return first, K.CHANGE_SEND_WEIGHT * per_kw // 1000


def report_swaps(summary: Summary, comparisons: list[Comparison], replay: Replay) -> None:
    """Swap agreement and fees, every swap step on one line, and the wallets."""
    s = summary
    print(f"all steps (payments, rebalances, swap starts and ends) alike: {100 * s.step_agreement:.1f}%")
    print(f"swap starts alike: {s.swap_starts} started, {100 * s.swap_start_agreement:.1f}%; "
          f"swap ends alike: {s.swap_ends}, {100 * s.swap_end_agreement:.1f}%")
    for part, (live_fee, twin_fee) in (s.swap_fees or {}).items():
        print(f"  swap {part} fees, live / twin: {live_fee:,.0f} / {twin_fee:,.0f} sat")
    for i, c in enumerate(comparisons):
        if c.step.kind in ("swap_in", "swap_out", SWAP_END):
            print(f"  #{i} {c.step.kind} {c.step.sender} {c.step.amount_sat} ch {c.step.channel} | "
                  f"live {outcome(c.live)} {'-'.join(c.live.route)} fee {c.live.fee_sat:.0f} "
                  f"{c.live.failure_reason!r} | twin {outcome(c.twin)} {'-'.join(c.twin.route)} "
                  f"fee {c.twin.fee_sat:.0f} {c.twin.failure_reason!r}")
    if s.final_wallet_diff is not None:
        worst = max(abs(live_w[n] - twin_w.get(n, 0)) for live_w, twin_w in replay.wallets for n in live_w)
        print("final confirmed wallets, live − twin (sat): "
              + ", ".join(f"{n} {d:+,}" for n, d in s.final_wallet_diff.items())
              + f"; largest difference after any round {worst:,}")


def check_policies(live: ManagedNetwork) -> None:
    """Say whether every direction announces its node's scenario policy, as the twin assumes."""
    wrong = [
        f"{frm}->{to} announces {p.base_fee_msat}/{p.fee_rate_ppm}/{p.time_lock_delta}"
        for (frm, to), p in live.policies().items()
        if (p.base_fee_msat, p.fee_rate_ppm, p.time_lock_delta) != astuple(live.scenario.policy_of(frm))
    ]
    print("announced policies: " + ("each node's scenario policy" if not wrong else "; ".join(wrong)))


def report(summary: Summary, comparisons: list[Comparison], elapsed: float) -> None:
    """The figures, then each disagreement on one line."""
    s = summary
    print(f"{s.steps} steps ({s.payments} payments, {s.rebalances} rebalances) in {elapsed:.0f} s live")
    print(f"payment success agreement: {100 * s.payment_agreement:.1f}%  (goal ≥ 95%)")
    print(f"success rate: live {100 * s.live_success:.1f}%, twin {100 * s.twin_success:.1f}%, "
          f"gap {s.success_gap_points:+.1f} points  (goal ≤ 2)")
    print(f"rebalance agreement: {100 * s.rebalance_agreement:.1f}%")
    print(f"same route when both succeeded: {100 * s.route_agreement:.1f}%")
    print("final drift per channel, % of capacity: "
          + ", ".join(f"{d:.2f}" for d in s.final_drift_pct) + "  (goal ≤ 1)")
    print(f"disagreements by cause: {s.causes}")
    if s.shadow_agreement is not None:
        print(f"shadow twin (live balances before each step): agreement {100 * s.shadow_agreement:.1f}%, "
              f"same route when both succeeded {100 * (s.shadow_route_agreement or 0):.1f}%")
        for i, c in enumerate(comparisons):
            if c.shadow is not None and c.shadow.success != c.live.success:
                print(f"  shadow #{i} {c.step.kind} {c.step.sender}->{c.step.receiver} {c.step.amount_sat} | "
                      f"live {'-'.join(c.live.route)} {c.live.failure_reason!r} | "
                      f"shadow {'-'.join(c.shadow.route)} {c.shadow.failure_reason!r}")
    for i, c in enumerate(comparisons):
        if not c.agree:
            print(f"  #{i} {c.step.kind} {c.step.sender}->{c.step.receiver} {c.step.amount_sat} "
                  f"drift {c.drift_before_sat} | live {c.live.success} {'-'.join(c.live.route)} "
                  f"{c.live.failure_reason!r} att {c.live.attempts} | twin {c.twin.success} "
                  f"{'-'.join(c.twin.route)} {c.twin.failure_reason!r} att {c.twin.attempts} | {c.cause()}")


def live_again(live: ManagedNetwork, comparisons: list[Comparison], first_final: Snapshot) -> None:
    """The same steps on live after a reset: how far two live runs of one trace agree."""
    live.reset_balances()
    again: list[PaymentResult] = []
    for c in comparisons:
        again.append(run_step(live, c.step))
        # As in the first run: a rebalance picks its last hop by the balances of the
        # latest snapshot, so skipping snapshots here would change its choices.
        live.snapshot()
    pays = [(c.live, r) for c, r in zip(comparisons, again) if c.step.kind == "payment"]
    agree = sum(a.success == b.success for a, b in pays) / len(pays)
    rate_1 = sum(a.success for a, _ in pays) / len(pays)
    rate_2 = sum(b.success for _, b in pays) / len(pays)
    drift = [100 * d / ch.capacity_sat for d, ch in zip(drift_sat(first_final, live.snapshot()), first_final.channels)]
    print(f"live vs live (same steps after a reset): agreement {100 * agree:.1f}%, success "
          f"{100 * rate_1:.1f}% vs {100 * rate_2:.1f}%, final drift % "
          + ", ".join(f"{d:.2f}" for d in drift))
    first_runs = [c.live for c in comparisons]
    for i in first_differences(first_runs, again):
        a, b = first_runs[i], again[i]
        print(f"  live vs live #{i} {a.kind} {a.sender}->{a.receiver} {a.amount_sat} | first {a.success} "
              f"{'-'.join(a.route)} {a.failure_reason!r} att {a.attempts} | again {b.success} "
              f"{'-'.join(b.route)} {b.failure_reason!r} att {b.attempts}")


def first_differences(first: list[PaymentResult], again: list[PaymentResult], count: int = 5) -> list[int]:
    """Steps where the two live runs differ in outcome, route or attempts: the first few
    show where they parted (everything after may only follow from different balances)."""
    differ = [i for i, (a, b) in enumerate(zip(first, again))
              if (a.success, a.route, a.attempts) != (b.success, b.route, b.attempts)]
    return differ[:count]


def dump(path: Path, summary: Summary, comparisons: list[Comparison]) -> None:
    """Every step with both results, for a closer look at the disagreements."""
    rows = [
        {"step": asdict(c.step), "live": c.live.as_dict(), "twin": c.twin.as_dict(),
         "shadow": c.shadow.as_dict() if c.shadow else None, "drift_before_sat": c.drift_before_sat}
        for c in comparisons
    ]
    path.write_text(json.dumps({"summary": asdict(summary), "steps": rows}, indent=1))


if __name__ == "__main__":
    main()
