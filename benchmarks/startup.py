"""Cold start of the seed network (binaries present → every channel routable) and `lngym check`.

Run: .venv/bin/python benchmarks/startup.py [--runs 3] [--tmpfs] [--backend native|docker]
Prints the median of each phase; the figures go into benchmarks/RESULTS.md. With
``--backend docker`` every run starts the network in containers and then natively,
alternating, so the ratio compares the two under the same load (images built,
``lngym images``; a container start is part of the cold start).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from lngym.network import make
from lngym.network.check import run_check
from lngym.network.native import bootstrap

PHASES = ("fund_first_node", "fund_openers", "open_channels", "wait_graph_complete")


@contextlib.contextmanager
def phase_timer() -> Iterator[dict[str, float]]:
    """Time the bootstrap steps, so one start reports where its time went."""
    phases: dict[str, float] = {}
    originals = {name: getattr(bootstrap, name) for name in PHASES}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = time.perf_counter() - started

        return wrapper

    for name, function in originals.items():
        setattr(bootstrap, name, timed(name, function))
    try:
        yield phases
    finally:
        for name, function in originals.items():
            setattr(bootstrap, name, function)


def one_run(tmpfs: bool, backend: str = "native") -> dict[str, float]:
    """Start, check and clean one seed network; returns seconds per phase."""
    home = Path(tempfile.mkdtemp(prefix="lngym-bench-"))
    network = make(backend, "seed", home=home, tmpfs=tmpfs)
    try:
        with phase_timer() as phases:
            started = time.perf_counter()
            network.up()
            phases["ready (total)"] = time.perf_counter() - started
        started = time.perf_counter()
        failed = [step for step in run_check(network) if not step.ok]
        phases["lngym check"] = time.perf_counter() - started
        if failed:
            raise SystemExit(f"check failed: {failed}")
        return phases
    finally:
        network.clean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tmpfs", action="store_true", help="node data in /dev/shm")
    parser.add_argument("--backend", choices=("native", "docker"), default="native",
                        help="docker: containers, each run followed by a native one for the ratio")
    args = parser.parse_args()
    backends = ["docker", "native"] if args.backend == "docker" else ["native"]
    runs: dict[str, list[dict[str, float]]] = {backend: [] for backend in backends}
    for i in range(args.runs):
        for backend in backends:
            runs[backend].append(one_run(args.tmpfs, backend))
            print(f"run {i + 1} {backend}: " + ", ".join(f"{k} {v:.2f}s" for k, v in runs[backend][-1].items()))
    medians = {b: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for b, rs in runs.items()}
    for backend, median in medians.items():
        print(f"{backend}, median of {args.runs} ({'tmpfs' if args.tmpfs else 'disk'}):")
        for key, value in median.items():
            ratio = f"  ({value / medians['native'][key]:.2f}x native)" if backend != "native" else ""
            print(f"  {key:22s} {value:6.2f} s{ratio}")


if __name__ == "__main__":
    main()
