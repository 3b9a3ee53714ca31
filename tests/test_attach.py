"""``lngym attach`` on real LND: the session's seed network registered as a network lngym did not start.

The attached home drives the very nodes of the seed network through their
gRPC endpoints; afterwards every process of it runs with the pids it had, and
what would stop or delete a node refuses and touches nothing. A network of
tests/scenarios/swaps3.toml, attached with its swap server, swaps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest
from bridge_support import Client, env_bridge
from live_harness import new_home

from lngym.cli.main import main
from lngym.envs import actions
from lngym.network import Network, make
from lngym.network.attach import AttachNetwork
from lngym.network.base import PENDING, SUCCEEDED, SWAP_IN, SWAP_OUT
from lngym.network.native import NativeNetwork
from lngym.network.native.state import STATE_FILE
from lngym.policies import SwapSuggestion
from lngym.recorder import read_rows

pytestmark = pytest.mark.live

SWAPS = Path(__file__).parent / "scenarios" / "swaps3.toml"


@pytest.fixture(scope="module")
def swap_network() -> Iterator[NativeNetwork]:
    """alice, bob and the swap server loop: a network of its own, as attaching one with swaps needs."""
    network = make("native", SWAPS, home=new_home("attach-swaps"), tmpfs=True)
    assert isinstance(network, NativeNetwork)
    network.up()
    yield network
    network.clean()


def nodes_file(network: NativeNetwork, path: Path, swap: dict[str, Any] | None = None,
               **changes: dict[str, Any]) -> Path:
    """A SimLN nodes file for ``network`` (plus its btcd entry, and ``swap`` if given); ``changes``
    edit one node's entry."""
    nodes = []
    for name, node in network.cluster.lnd.items():
        entry = {"id": name, "address": node.config.grpc_target, "macaroon": str(node.config.macaroon),
                 "cert": str(node.config.tls_cert)}
        entry.update(changes.get(name, {}))
        nodes.append({k: v for k, v in entry.items() if v is not None})
    btcd = network.cluster.btcd
    assert btcd is not None
    bitcoin = {"rpchost": btcd.config.rpc_host, "rpcuser": btcd.config.user, "rpcpass": btcd.config.password,
               "cert": str(btcd.config.cert)}
    path.write_text(json.dumps({"nodes": nodes, "bitcoin": bitcoin, **({"swap": swap} if swap else {})}))
    return path


def local(network: Network, channel: int, node: str) -> int:
    return network.snapshot().channels[channel].balance_of(node)


def pids(network: NativeNetwork) -> dict[str, int | None]:
    assert network.cluster.btcd is not None
    return {**{n: node.process.pid for n, node in network.cluster.lnd.items()},
            "btcd": network.cluster.btcd.process.pid}


def alive(pid: int | None) -> bool:
    return pid is not None and os.path.exists(f"/proc/{pid}")


def test_attached_network_runs_check_simulate_env_and_bridge_and_touches_nothing(
    network: NativeNetwork, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "attached"
    before = pids(network)
    wallets = network.wallet_balances()
    assert main(["--home", str(home), "attach", str(nodes_file(network, tmp_path / "nodes.json"))]) == 0
    registration = json.loads((home / STATE_FILE).read_text())
    assert registration["backend"] == "attach"
    assert sorted(registration["scenario"]["nodes"]) == sorted(network.scenario.nodes)  # aliases are the names
    assert len(registration["channels"]) == len(network.scenario.channels)

    assert main(["--home", str(home), "check"]) == 0, capsys.readouterr()
    assert main(["--home", str(home), "simulate", "--payments", "20", "--seed", "3",
                 "--csv", str(tmp_path / "rows.csv")]) == 0, capsys.readouterr()

    env = gym.make("LightningTestnet-v0", home=str(home), payments_per_step=3)
    env.reset(seed=1)
    assert isinstance(env.unwrapped.network, AttachNetwork)
    for _ in range(3):
        _obs, _reward, _terminated, _truncated, info = env.step(env.action_space.sample())
        assert info["payments"] == 3
    env.close()

    with env_bridge("LightningTestnet-v0", home=str(home), payments_per_step=2) as served:
        controller = Client(served.url)
        assert {n["pubkey"] for n in controller.hello["nodes"]} == {n.pubkey for n in network.nodes()}
        controller.request({"type": "reset", "seed": 3})
        step = controller.request({"type": "step", "action": {"from_node": "lnd-alice", "to_node": "lnd-bob",
                                                                "amount": 20_000}})
        assert step["type"] == "step_result" and step["info"]["payments"] == 2, step
        controller.close()

    attached = make("native", home=home)  # a registered home always gets the attach backend
    attached.start()
    height = attached.height()
    attached.mine(1)
    assert attached.height() == height + 1
    attached.reset_balances()  # both ends are attached: paid back to the split at attach time
    # No swap server: the env's resets and this one moved no coin of nodes lngym did not fund.
    assert attached.wallet_balances() == wallets
    with pytest.raises(Exception, match="did not start"):
        attached.reset_balances(hard=True)
    attached.stop()

    capsys.readouterr()
    for command in (["down"], ["restart", "alice"]):
        assert main(["--home", str(home), *command]) == 1
        err = capsys.readouterr().err
        assert "did not start" in err and f"{command[0]}: {command[0]}:" not in err, err  # named once
    assert (home / STATE_FILE).exists()
    assert main(["--home", str(home), "clean"]) == 0  # forgets the registration, leaves the nodes
    assert not home.exists()
    assert pids(network) == before and all(alive(pid) for pid in before.values())
    assert network.is_running() and not network.down_nodes()


@pytest.mark.allow_log_errors(r"verification failed", r"TLS handshake error")
@pytest.mark.parametrize(("change", "expected"), [
    ({"alice": {"macaroon": "BOB_MACAROON"}}, "node alice: LND refused the macaroon"),
    ({"alice": {"cert": "BOB_CERT"}}, "node alice: the TLS cert"),
    ({"alice": {"address": "127.0.0.1:1"}}, "node alice: no LND answers at 127.0.0.1:1"),
    ({"bob": {"cert": None}}, "node bob: missing field 'cert'"),
])
def test_bad_nodes_file_is_one_line_naming_the_node_and_registers_nothing(
    network: NativeNetwork, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: dict[str, dict[str, str | None]], expected: str,
) -> None:
    bob = network.cluster.lnd["bob"].config
    swap = {"BOB_MACAROON": str(bob.macaroon), "BOB_CERT": str(bob.tls_cert)}
    edits = {node: {k: swap.get(v, v) if v else v for k, v in fields.items()} for node, fields in change.items()}
    home = tmp_path / "attached"
    assert main(["--home", str(home), "attach", str(nodes_file(network, tmp_path / "n.json", **edits))]) == 1
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not (home / STATE_FILE).exists()


def test_polar_network_folder_attaches_its_lnd_nodes(network: NativeNetwork, tmp_path: Path) -> None:
    """A fake Polar folder (networks.json + volumes/lnd/<name>/…) whose files are the seed network's."""
    folder = tmp_path / "networks" / "1"
    lightning = []
    for name, node in network.cluster.lnd.items():
        volume = folder / "volumes" / "lnd" / name
        (volume / "data" / "chain" / "bitcoin" / "regtest").mkdir(parents=True)
        (volume / "tls.cert").symlink_to(node.config.tls_cert)
        (volume / "data" / "chain" / "bitcoin" / "regtest" / "admin.macaroon").symlink_to(node.config.macaroon)
        port = int(node.config.grpc_target.rsplit(":", 1)[1])
        lightning.append({"id": len(lightning), "name": name, "implementation": "LND",
                          "ports": {"grpc": port, "rest": 1, "p2p": 2}})
    lightning.append({"id": 9, "name": "frank", "implementation": "c-lightning", "ports": {"grpc": 3}})
    (tmp_path / "networks" / "networks.json").write_text(json.dumps(
        {"version": "3.0.0", "networks": [{"id": 1, "name": "test", "path": str(folder),
                                          "nodes": {"bitcoin": [], "lightning": lightning}}]}))
    home = tmp_path / "attached"
    assert main(["--home", str(home), "attach", "--polar", str(folder)]) == 0
    attached = make("native", home=home)
    attached.start()
    assert sorted(attached.scenario.nodes) == sorted(network.scenario.nodes)  # the c-lightning node is left out
    assert attached.pay("alice", "bob", 1_000).success
    with pytest.raises(Exception, match="needs blocks"):
        attached.mine(1)  # Polar's bitcoin node is Bitcoin Core: no bitcoin entry
    attached.stop()


def test_attached_swap_server_loops_out_and_in_and_the_env_and_autoloop_swap(
    swap_network: NativeNetwork, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terms = swap_network.scenario.swap
    assert terms is not None
    home = tmp_path / "attached"
    swap = {key: value for key, value in asdict(terms).items() if key != "reserve_sat"}
    assert main(["--home", str(home), "attach", str(nodes_file(swap_network, tmp_path / "n.json", swap))]) == 0
    assert "loop serves swaps" in " ".join(capsys.readouterr().out.split())  # rich wraps lines
    attached = make("native", home=home)
    attached.start()
    wallets = attached.wallet_balances()
    assert attached.scenario.swap == replace(terms, reserve_sat=wallets["loop"])  # the server's wallet, not funded
    alice_bob, loop_alice = attached.scenario.channel_index("alice", "bob"), attached.scenario.channel_index("loop", "alice")

    before = local(attached, alice_bob, "alice")
    out = attached.swap_out("alice", 200_000, channel=alice_bob)
    assert out.status == PENDING and out.route == ("alice", "bob", "loop") and attached.pending_swaps() == [out]
    assert attached._snapshots._agreed() is not None  # the HTLC the server holds does not stop a snapshot
    assert attached.mine(2) == []
    (ended,) = attached.mine(1)
    assert ended.swap_id == out.swap_id and ended.status == SUCCEEDED and ended.blocks == 3
    server_fee = 100 + 200_000 * 5_000 // 1_000_000
    routing_sat = ended.fee_sat - server_fee - 300
    assert local(attached, alice_bob, "alice") == before - 200_000 - server_fee - routing_sat
    assert attached.wallet_balances()["alice"] == wallets["alice"] + 200_000 - 300

    wallet, before = attached.wallet_balances()["alice"], local(attached, loop_alice, "alice")
    started = attached.swap_in("alice", 300_000, channel=loop_alice)
    (ended,) = attached.mine(3)
    assert ended.status == SUCCEEDED and ended.route == ("loop", "alice")
    assert attached.wallet_balances()["alice"] == wallet - 300_000 - started.miner_fee_sat
    assert local(attached, loop_alice, "alice") == before + 300_000 - (100 + 300_000 * 5_000 // 1_000_000)

    attached.reset_balances()  # channels to their split at attach time, wallets to theirs at start()
    assert {n: b for n, b in attached.wallet_balances().items() if n != "loop"} == \
        {n: b for n, b in wallets.items() if n != "loop"}
    attached.stop()

    env = gym.make("LightningTestnet-v0", home=str(home), payments_per_step=2)
    env.reset(seed=1)
    action = actions.encode_suggestion(SwapSuggestion("alice", SWAP_OUT, 100_000, alice_bob), attached.scenario)
    infos = [env.step(action)[4], env.step(0)[4], env.step(0)[4]]  # one block a step: three confirmations
    assert infos[0]["swaps_started"] == 1, infos[0]
    assert [(s["node"], s["kind"], s["status"]) for s in infos[2]["swaps"]] == [("alice", SWAP_OUT, SUCCEEDED)]
    env.close()

    attached.start()  # alice's side of alice-bob below autoloop's 20 %: it loops in
    assert attached.pay("alice", "bob", 350_000).success
    attached.stop()
    assert main(["--home", str(home), "simulate", "--payments", "12", "--seed", "1", "--rebalance-every", "3",
                 "--policy", "autoloop", "--csv", str(tmp_path / "rows.csv")]) == 0, capsys.readouterr()
    swaps = [(r["sender"], r["receiver"], r["success"]) for r in read_rows(tmp_path / "rows.csv") if r["kind"] == SWAP_IN]
    assert ("lnd-loop", "lnd-alice", "true") in swaps, swaps
    assert swap_network.is_running() and not swap_network.down_nodes()
