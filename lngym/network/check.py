"""The connectivity check (the seed's test-lightning.sh): every node answers, every
channel carries a payment both ways, and a payment crosses several hops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lngym.network.base import Network

#: Amount of each check payment: small enough never to drain a channel.
CHECK_AMOUNT_SAT = 1_000


@dataclass(frozen=True)
class CheckStep:
    """One thing the check tried, and whether it worked."""

    what: str
    ok: bool
    detail: str = ""


def run_check(network: Network) -> Iterator[CheckStep]:
    """Yield each step as it completes, so a CLI can print progress."""
    for node in network.nodes():
        detail = "not reachable" if not node.alive else "" if node.synced else "not synced to the chain"
        yield CheckStep(f"{node.name} answers", node.alive and node.synced, detail)
    for spec in network.scenario.channels:
        for sender, receiver in ((spec.a, spec.b), (spec.b, spec.a)):
            result = network.pay(sender, receiver, CHECK_AMOUNT_SAT, "lngym check")
            direct = result.route == (sender, receiver)
            ok = result.success and direct
            detail = result.failure_reason or ("" if direct else f"went via {'->'.join(result.route)}")
            yield CheckStep(f"pay {sender} -> {receiver}", ok, detail)
    far = _farthest_pair(network)
    if far is not None:
        result = network.pay(far[0], far[1], CHECK_AMOUNT_SAT, "lngym check multi-hop")
        ok = result.success and result.hops >= 2
        yield CheckStep(f"multi-hop {far[0]} -> {far[1]}", ok,
                        result.failure_reason or "->".join(result.route))


def _farthest_pair(network: Network) -> tuple[str, str] | None:
    """Two nodes without a direct channel (so the payment must be routed)."""
    direct = {frozenset((c.a, c.b)) for c in network.scenario.channels}
    nodes = network.scenario.nodes
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            if frozenset((a, b)) not in direct:
                return a, b
    return None
