"""The seed's flow on real LND: `lngym simulate --bridge`, the Python agent suggests, LND moves the balance."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bridge_support import Client, env_bridge

from lngym.network.native import NativeNetwork
from lngym.wait import WaitTimeout, wait_until

pytestmark = pytest.mark.live

AGENT = Path(__file__).resolve().parent.parent / "examples" / "ws_agent.py"


def wait_for_url(log: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The bridge URL `lngym simulate --bridge` prints once it listens."""

    def running() -> None:
        if process.poll() is not None:
            raise AssertionError(f"lngym simulate exited early:\n{log.read_text()}")

    def printed() -> re.Match[str] | None:
        return re.search(r"ws://127\.0\.0\.1:\d+", log.read_text(errors="replace"))

    try:
        return wait_until(printed, timeout, "`lngym simulate --bridge` to print its URL", running, 0.1).group(0)
    except WaitTimeout as exc:
        raise AssertionError(f"{exc}:\n{log.read_text()}") from None


def test_python_agent_suggestion_is_applied_on_lnd(network: NativeNetwork, tmp_path: Path) -> None:
    env = {**os.environ, "LNGYM_HOME": str(network.home)}
    log, rows = tmp_path / "simulate.log", tmp_path / "rows.csv"
    with log.open("wb") as out:
        simulate = subprocess.Popen(
            [sys.executable, "-m", "lngym.cli.main", "simulate", "--bridge", "--port", "0", "--duration", "10",
             "--rate", "4", "--concurrency", "1", "--seed", "2", "--csv", str(rows)],
            stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            url = wait_for_url(log, simulate)
            agent = subprocess.run(
                [sys.executable, str(AGENT), "--url", url, "--suggest", "lnd-alice", "lnd-bob", "200000", "--results", "1"],
                capture_output=True, text=True, timeout=60, check=False)
        finally:
            status = simulate.wait(timeout=60)
    assert agent.returncode == 0, agent.stderr
    assert status == 0, log.read_text()
    result = json.loads(agent.stdout.strip().splitlines()[-1])
    assert (result["type"], result["status"], result["success"]) == ("suggestion_result", "applied", True), result
    before, after = result["balances_before"], result["balances_after"]
    sent = before["lnd-alice"] - after["lnd-alice"]  # read from LND (ListChannels) right before and after
    assert sent >= result["amount_moved"] > 0
    assert after["lnd-bob"] - before["lnd-bob"] == sent
    rebalances = [r for r in csv.DictReader(rows.open()) if r["kind"] == "rebalance"]
    assert [(r["sender"], r["receiver"], r["success"]) for r in rebalances][-1] == ("lnd-alice", "lnd-bob", "true")
    assert result["route"][0] == "lnd-alice" and result["route"][-1] == "lnd-alice"


def test_live_env_steps_over_the_socket_in_the_worker_thread(network: NativeNetwork) -> None:
    with env_bridge("LightningTestnet-v0", home=str(network.home), payments_per_step=3) as served:
        assert served.backend.threaded
        controller, observer = Client(served.url), Client(served.url)
        assert controller.hello["nodes"][0]["pubkey"] == network.nodes()[0].pubkey
        controller.request({"type": "reset", "seed": 3})
        step = controller.request({"type": "step", "action": {"from_node": "lnd-alice", "to_node": "lnd-bob", "amount": 50_000}})
        assert step["type"] == "step_result" and step["info"]["payments"] == 3, step
        (rebalance,) = step["info"]["rebalances"]
        assert rebalance["success"], rebalance
        observed = [json.loads(observer.ws.recv(timeout=10))["type"] for _ in range(6)]
        controller.close()
        observer.close()
    assert observed == ["channel_update"] + ["transaction"] * 4 + ["channel_update"]
    kinds = [m["data"]["kind"] for m in controller.broadcasts if m["type"] == "transaction"]
    assert kinds == ["rebalance", "payment", "payment", "payment"]
    update = [m for m in controller.broadcasts if m["type"] == "channel_update"][-1]
    alice_bob = update["data"]["lnd-alice"][0]
    assert alice_bob["remote_node"] == "lnd-bob"
    assert alice_bob["local_balance"] == network.snapshot().channels[0].balance_a_sat  # what LND says now
    assert network.is_running()  # the env attached, so closing the bridge leaves the network up
