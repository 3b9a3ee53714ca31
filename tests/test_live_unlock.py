"""Wallets with a password on real LND: created at ``up``, unlocked by every start lngym makes,
and by ``lngym unlock`` after a restart lngym did not make (the original's unlock-wallets.sh).

The password never lands in network.json; without it, an action that would leave a wallet
locked is refused before anything changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lngym.errors import NetworkStateError
from lngym.network import make
from lngym.network.check import run_check
from lngym.network.docker.client import docker_client
from lngym.network.native import NativeNetwork

PASSWORD = "correct horse battery"
#: lnd logs a refused UnlockWallet (the wrong-password case below) at error level.
WRONG_PASSWORD_LOG = r"RPCS: \[/lnrpc.WalletUnlocker/UnlockWallet\]: invalid passphrase"
#: ... and every call but GetState to a locked node: `lngym status` asks it (and shows it locked).
LOCKED_CALL_LOG = r"RPCS: \[/lnrpc.Lightning/\w+\]: wallet locked, unlock it to enable full RPC access"


def lngym(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, with no password in its environment unless given."""
    base = {k: v for k, v in os.environ.items() if k != "LNGYM_WALLET_PASSWORD"}
    return subprocess.run([sys.executable, "-m", "lngym.cli.main", *args], capture_output=True, text=True,
                          check=False, env={**base, **(env or {})}, timeout=300)


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "wallet-password"
    path.write_text(PASSWORD + "\n")
    return path


@pytest.fixture(autouse=True)
def _no_password_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LNGYM_WALLET_PASSWORD", raising=False)


def node_states(home: Path) -> dict[str, dict[str, object]]:
    status = lngym("--home", str(home), "status", "--json")
    assert status.returncode == 0, status.stderr
    return {node["name"]: node for node in json.loads(status.stdout)["nodes"]}


@pytest.mark.live
def test_restarts_and_hard_resets_unlock_with_the_password_and_refuse_without(fresh_home: Path) -> None:
    network = make("native", "seed", home=fresh_home, wallet_password=PASSWORD)
    assert isinstance(network, NativeNetwork)
    network.start()
    saved = (fresh_home / "network.json").read_text()
    assert json.loads(saved)["encrypted_wallets"] is True and PASSWORD not in saved
    assert all(step.ok for step in run_check(network))

    no_password = make("native", home=fresh_home)
    no_password.start()
    pid = no_password.cluster.node("bob").process.pid
    with pytest.raises(NetworkStateError, match="needs the wallet password"):
        no_password.restart_node("bob")
    with pytest.raises(NetworkStateError, match="needs the wallet password"):
        no_password.reset_balances(hard=True)
    assert no_password.cluster.node("bob").process.pid == pid and all(n.synced for n in no_password.nodes())

    network.restart_node("bob")
    assert all(step.ok for step in run_check(network))
    network.reset_balances(hard=True)  # a new network, with the same password
    assert json.loads((fresh_home / "network.json").read_text())["encrypted_wallets"] is True
    assert all(step.ok for step in run_check(network))
    network.stop()


@pytest.mark.live
@pytest.mark.allow_log_errors(WRONG_PASSWORD_LOG, LOCKED_CALL_LOG)
def test_lngym_unlock_opens_a_container_restarted_by_docker(fresh_home: Path, password_file: Path) -> None:
    """The original's case: containers restart, wallets come back locked, `unlock` opens them."""
    home = str(fresh_home)
    up = lngym("--home", home, "up", "--backend", "docker", "--wallet-password-file", str(password_file))
    assert up.returncode == 0, up.stderr
    carol = next(c for c in docker_client().containers.list(filters={"label": f"lngym.home={fresh_home.resolve()}"})
                 if c.name.endswith("-carol"))
    carol.restart()

    network = make("native", home=fresh_home)
    network.start()
    assert node_states(fresh_home)["carol"]["locked"] is True
    assert not any(state["locked"] for name, state in node_states(fresh_home).items() if name != "carol")

    wrong = password_file.parent / "wrong"
    wrong.write_text("not the password\n")
    refused = lngym("--home", home, "unlock", "--wallet-password-file", str(wrong))
    assert refused.returncode == 1
    assert refused.stderr.strip() == "lngym unlock: carol: wrong wallet password; the wallet stays locked"
    assert node_states(fresh_home)["carol"]["locked"] is True

    unlocked = lngym("--home", home, "unlock", env={"LNGYM_WALLET_PASSWORD": PASSWORD})
    assert unlocked.returncode == 0, unlocked.stderr
    assert "carol: unlocked" in unlocked.stdout and "alice: already open" in unlocked.stdout
    assert all(step.ok for step in run_check(network)), [s for s in run_check(network) if not s.ok]
    network.stop()


@pytest.mark.live
def test_unlock_of_a_password_less_network_says_there_is_nothing_to_unlock(
    network: NativeNetwork, password_file: Path
) -> None:
    result = lngym("--home", str(network.home), "unlock", "--wallet-password-file", str(password_file))
    assert result.returncode == 1
    assert "have no password; nothing to unlock" in result.stderr
    assert all(n.synced for n in network.nodes())
