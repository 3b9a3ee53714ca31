"""Payments per second on the live seed network: gRPC batches vs. the seed's way.

The seed ran two ``lncli`` processes per payment (``addinvoice`` on the receiver,
``payinvoice`` on the sender, through ``docker exec``); lngym makes two gRPC
calls on open channels. Both run here, in one process, on one network, so the
ratio is not at the mercy of the shared machine's load.

Run: .venv/bin/python benchmarks/payments.py [--tmpfs] [--payments 200] [--backend native|docker]

With ``--backend docker`` the same measurements run on a seed network in
containers and then on a native one, in one process, and the docker rates are
given as a ratio of the native ones (the seed's way then is ``docker exec …
lncli``, exactly as the seed ran it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from lngym.network.base import PaymentRequest
from lngym.network import ManagedNetwork, make


def multi_hop_batch(n: int) -> list[PaymentRequest]:
    """Two-hop payments back and forth (alice↔carol via bob), so balances do not drain."""
    pairs = [("alice", "carol"), ("carol", "alice"), ("eve", "carol"), ("carol", "eve")]
    return [PaymentRequest(*pairs[i % len(pairs)], 1_000, "benchmark") for i in range(n)]


def seed_way(network: ManagedNetwork, requests: list[PaymentRequest]) -> float:
    """Payments per second with one lncli process per call, as the seed did."""
    started = time.perf_counter()
    for request in requests:
        invoice = subprocess.run(
            network.lncli_argv(request.receiver) + ["addinvoice", "--amt", str(request.amount_sat)],
            capture_output=True, text=True, check=True,
        )
        payment_request = json.loads(invoice.stdout)["payment_request"]
        paid = subprocess.run(
            network.lncli_argv(request.sender) + ["payinvoice", "--force", "--json", payment_request],
            capture_output=True, text=True,
        )
        if paid.returncode != 0:
            raise SystemExit(f"lncli payinvoice failed: {paid.stderr.strip()}")
    return len(requests) / (time.perf_counter() - started)


def grpc_way(network: ManagedNetwork, requests: list[PaymentRequest], concurrency: int) -> tuple[float, float]:
    """Payments per second and success share through lngym's gRPC client."""
    started = time.perf_counter()
    results = network.pay_many(requests, concurrency=concurrency)
    rate = len(requests) / (time.perf_counter() - started)
    return rate, sum(r.success for r in results) / len(results)


def reset_time(network: ManagedNetwork) -> float:
    """Seconds for reset_balances() after a batch has moved liquidity around."""
    network.pay_many([PaymentRequest("alice", "dave", 20_000), PaymentRequest("carol", "eve", 30_000),
                      PaymentRequest("bob", "alice", 10_000)], concurrency=3)
    started = time.perf_counter()
    network.reset_balances()
    return time.perf_counter() - started


def measure(backend: str, args: argparse.Namespace) -> dict[str, float]:
    """Every figure of one backend's seed network, printed as it is measured."""
    network = make(backend, "seed", home=Path(tempfile.mkdtemp(prefix="lngym-bench-")), tmpfs=args.tmpfs)
    assert isinstance(network, ManagedNetwork)
    network.up()
    figures: dict[str, float] = {}
    try:
        seed_rate = figures["seed's way"] = seed_way(network, multi_hop_batch(args.seed_payments))
        network.reset_balances()
        print(f"{backend}: seed's way (lncli per call), sequential: {seed_rate:7.1f} payments/s")
        for concurrency in (1, 4, 16, 32):
            rate, ok = grpc_way(network, multi_hop_batch(args.payments), concurrency)
            figures[f"gRPC, concurrency {concurrency:2d}"] = rate
            network.reset_balances()
            print(f"{backend}: gRPC, concurrency {concurrency:2d}: {rate:7.1f} payments/s  "
                  f"({ok:.0%} ok, {rate / seed_rate:5.1f}x the seed's way)")
        resets = [reset_time(network) for _ in range(3)]
        figures["reset_balances() s"] = statistics.median(resets)
        print(f"{backend}: reset_balances(): median {statistics.median(resets):.3f} s of {len(resets)}")
    finally:
        network.clean()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--seed-payments", type=int, default=30, help="payments done the seed's way")
    parser.add_argument("--tmpfs", action="store_true", help="node data in /dev/shm")
    parser.add_argument("--backend", choices=("native", "docker"), default="native",
                        help="docker: measure containers, then native, and give the ratios")
    args = parser.parse_args()
    if args.backend == "native":
        measure("native", args)
        return
    docker, native = measure("docker", args), measure("native", args)
    print("docker / native:")
    for key, value in docker.items():
        print(f"  {key:24s} {value:8.2f} / {native[key]:8.2f} = {value / native[key]:.2f}x")


if __name__ == "__main__":
    main()
