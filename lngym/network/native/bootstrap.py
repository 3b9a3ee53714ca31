"""From empty directories to a funded network whose graph every node knows.

The order matters for speed: every daemon starts at once, the first node's
wallet receives coinbases that lngym mines itself (see coinbase.py), one transaction funds every opener, all channels
open in parallel, and six blocks later (BOLT 7's announcement depth) the
channels are announced. Nothing sleeps: each step waits on what the nodes say.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

from lngym.errors import NetworkStateError, NodeError
from lngym.network import limits
from lngym.network.native import coinbase
from lngym.network.native.btcd import Btcd
from lngym.network.native.lnd_node import LndNode
from lngym.network.native.state import ChannelRecord
from lngym.scenario import Scenario
from lngym.wait import wait_until

T = TypeVar("T")

#: Coinbases of 50 BTC mined to the first node: plenty for any small scenario.
FUNDED_BLOCKS = 2
#: Blocks that make those coinbases spendable (maturity is 100 confirmations).
MATURITY_BLOCKS = 100
#: Confirmations before lnd announces a channel: BOLT 7's six, fixed in lnd's funding
#: manager (--gossip.announcement-conf only relaxes what it accepts from others).
ANNOUNCEMENT_CONFS = 6
#: Each funding output is the channel capacity plus this much for on-chain fees.
FUNDING_MARGIN_SAT = 100_000
#: Seconds to wait for channels to become active and for gossip to spread.
CHANNEL_TIMEOUT = 120.0


def validate_for_lnd(scenario: Scenario) -> None:
    """Reject scenarios LND cannot open before any process starts."""
    for i, channel in enumerate(scenario.channels):
        if not limits.MIN_CHANNEL_SAT <= channel.capacity_sat <= limits.MAX_CHANNEL_SAT:
            raise NetworkStateError(
                f"{scenario.path or scenario.name}: channels[{i}].capacity: LND opens channels "
                f"of {limits.MIN_CHANNEL_SAT:,} to {limits.MAX_CHANNEL_SAT:,} sat, got {channel.capacity_sat:,}"
            )


def parallel(items: Iterable[T], action: Callable[[T], object]) -> None:
    """Run ``action`` on every item at once; the first exception is re-raised."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=max(len(items), 1)) as pool:
        for future in [pool.submit(action, item) for item in items]:
            future.result()


def refuse_used_nodes(nodes: dict[str, LndNode], home: object) -> None:
    """Refuse adopted nodes (docker compose's) that already hold coins or channels: set up before,
    they would get a second set of channels."""
    for node in nodes.values():
        if node.client.list_channels() or node.client.wallet_balance().confirmed_balance:
            raise NetworkStateError(
                f"{node.name} already has coins or channels: these containers were set up before (by another "
                f"home than {home}?); `docker-compose -f compose/docker-compose.yml down -v` and `up -d` make fresh ones"
            )


def fund_first_node(btcd: Btcd, first: LndNode) -> None:
    """Mine coinbases to the first node's wallet, then enough blocks to mature them."""
    coinbase.mine_to(btcd, first.client.new_address(), FUNDED_BLOCKS)
    btcd.generate(MATURITY_BLOCKS)


def send_with_mature_coins(btcd: Btcd, send: Callable[[], str]) -> str:
    """Send, mining one more block whenever the wallet finds no spendable coinbase yet.

    lnd's wallet can lag a block behind the tip when it judges coinbase
    maturity, so right after the maturity blocks it may still call the coins
    immature; one more block settles that without a fixed sleep.
    """
    for _attempt in range(10):
        try:
            return send()
        except NodeError as exc:
            if "insufficient funds" not in str(exc):
                raise
            btcd.generate(1)
            time.sleep(0.2)
    return send()


def funder_of(scenario: Scenario) -> str:
    """The node whose wallet receives the mined coins: the swap server if there is one
    (a server with a deep wallet is what real ones are), else the first node."""
    return scenario.swap.server if scenario.swap is not None else scenario.nodes[0]


def fund_openers(btcd: Btcd, nodes: dict[str, LndNode], scenario: Scenario) -> None:
    """One transaction from the funder gives every opener one UTXO per channel and
    every node its ``[wallets]`` funds."""
    outputs: dict[str, int] = {}
    needs: dict[str, int] = {}
    funder_name = funder_of(scenario)
    for channel in scenario.channels:
        address = nodes[channel.a].client.new_address()
        outputs[address] = channel.capacity_sat + FUNDING_MARGIN_SAT
        needs[channel.a] = needs.get(channel.a, 0) + outputs[address]
    for name, amount in scenario.wallets.items():
        if amount > 0 and name != funder_name:
            address = nodes[name].client.new_address()
            outputs[address] = amount
            needs[name] = needs.get(name, 0) + amount
    funder = nodes[funder_name]
    total = sum(outputs.values()) + FUNDING_MARGIN_SAT
    wait_until(
        lambda: funder.client.wallet_balance().confirmed_balance >= total,
        CHANNEL_TIMEOUT,
        f"{funder.name}'s wallet to see {total:,} sat of mature coinbase",
        funder.process.check_alive,
    )
    send_with_mature_coins(btcd, lambda: funder.client.send_many(outputs))
    btcd.generate(1)

    def funded(name: str) -> None:
        wait_until(
            lambda: nodes[name].client.wallet_balance().confirmed_balance >= needs[name],
            CHANNEL_TIMEOUT,
            f"{name}'s funding to confirm",
            nodes[name].process.check_alive,
        )

    parallel(needs, funded)


def open_channels(btcd: Btcd, nodes: dict[str, LndNode], scenario: Scenario) -> list[ChannelRecord]:
    """Connect the ends of every channel, open all at once and confirm them."""

    def connect(index: int) -> None:
        spec = scenario.channels[index]
        a, b = nodes[spec.a], nodes[spec.b]
        a.client.connect_peer(b.pubkey, b.config.p2p_host)
        wait_until(
            lambda: any(p.pub_key == b.pubkey for p in a.client.list_peers()),
            CHANNEL_TIMEOUT,
            f"{spec.a} to connect to {spec.b}",
            a.process.check_alive,
        )

    def open_one(index: int) -> None:
        spec = scenario.channels[index]
        nodes[spec.a].client.open_channel(nodes[spec.b].pubkey, spec.capacity_sat, spec.push_sat)

    indices = range(len(scenario.channels))
    parallel(indices, connect)
    parallel(indices, open_one)
    wait_until(
        lambda: btcd.mempool_size() >= len(scenario.channels),
        CHANNEL_TIMEOUT,
        "every funding transaction to reach btcd's mempool",
    )
    btcd.generate(ANNOUNCEMENT_CONFS)
    return wait_channels_active(nodes, scenario)


def wait_channels_active(nodes: dict[str, LndNode], scenario: Scenario) -> list[ChannelRecord]:
    """Wait until both ends list every channel as active; returns them in scenario order."""
    records: list[ChannelRecord] = []
    for index, spec in enumerate(scenario.channels):
        a, b = nodes[spec.a], nodes[spec.b]

        def active_at_both_ends() -> object:
            ours = [c for c in a.client.list_channels() if c.remote_pubkey == b.pubkey and c.active]
            theirs = [c for c in b.client.list_channels() if c.remote_pubkey == a.pubkey and c.active]
            return ours[0] if ours and theirs else None

        channel = wait_until(
            active_at_both_ends,
            CHANNEL_TIMEOUT,
            f"channel {spec.a}-{spec.b} to be active at both ends",
            lambda: (a.process.check_alive(), b.process.check_alive()),
        )
        records.append(
            ChannelRecord(
                index=index,
                a=spec.a,
                b=spec.b,
                capacity=spec.capacity_sat,
                chan_id=channel.chan_id,
                channel_point=channel.channel_point,
                initial_a=channel.local_balance,
                initial_b=channel.remote_balance,
            )
        )
    return records


def wait_graph_complete(nodes: dict[str, LndNode], channels: list[ChannelRecord]) -> None:
    """Wait until every node's graph has every channel with both directions' policies."""
    wanted = {c.chan_id for c in channels}

    def complete(node: LndNode) -> None:
        def has_all() -> bool:
            graph = node.client.describe_graph()
            known = {
                e.channel_id
                for e in graph.edges
                if e.HasField("node1_policy") and e.HasField("node2_policy")
            }
            return wanted <= known

        wait_until(has_all, CHANNEL_TIMEOUT, f"{node.name}'s graph to hold every channel with its policies",
                   node.process.check_alive, interval=0.1)

    parallel(nodes.values(), complete)
