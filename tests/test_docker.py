"""The docker backend's own parts: the compose file, compose's containers adopted by
``lngym up --backend docker --attach``, ``lngym clean`` by label, and the errors when
Docker is missing. The live tests shared with native run on it through the seed
fixture (``@pytest.mark.backends``, tests/live_harness.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lngym.network import make
from lngym.network.check import run_check
from lngym.network.docker.client import docker_client
from lngym.network.docker.images import btcd_image
from lngym.network.docker.runtime import COMPOSE_NODE, HOME_LABEL

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "compose" / "docker-compose.yml"
SEED_SERVICES = {"btcd", "alice", "bob", "carol", "dave", "eve"}


def lngym(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in a child process."""
    return subprocess.run([sys.executable, "-m", "lngym.cli.main", *args], capture_output=True, text=True,
                          check=False, env={**os.environ, **(env or {})}, timeout=300)


def compose(*args: str) -> subprocess.CompletedProcess[str]:
    """Debian's docker-compose 1.29 (what CI installs) on the repository's compose file."""
    return subprocess.run(["docker-compose", "-f", str(COMPOSE_FILE), *args], capture_output=True, text=True,
                          check=False, timeout=300)


@pytest.mark.live
def test_compose_file_is_valid_for_docker_compose_and_compose_v2() -> None:
    """`config` resolves every variable; host networking only, on 127.0.0.1, with named volumes."""
    runs = [compose("config")]
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True,
                            check=False) if shutil.which("docker") else None
    if plugin is not None and plugin.returncode == 0:  # Compose v2, where installed (Debian has no package)
        runs.append(subprocess.run(["docker", "compose", "-f", str(COMPOSE_FILE), "config"],
                                   capture_output=True, text=True, check=False))
    for run in runs:
        assert run.returncode == 0, run.stderr
        text = run.stdout
        assert all(f"  {service}:" in text for service in SEED_SERVICES)
        assert text.count("network_mode: host") == len(SEED_SERVICES)
        assert "lngym-lnd:v" in text and "${" not in text
        listens = [line for line in text.splitlines() if "listen=" in line]
        assert listens and all("127.0.0.1:" in line for line in listens)


@pytest.mark.live
def test_compose_containers_are_funded_and_connected_by_attach(fresh_home: Path) -> None:
    """docker-compose up -d, then `lngym up --backend docker --attach`: the seed's channels, routable;
    lngym's clean leaves compose's containers and volumes to `docker-compose down -v`."""
    assert compose("up", "-d").returncode == 0
    try:
        up = lngym("--home", str(fresh_home), "up", "--backend", "docker", "--attach")
        assert up.returncode == 0, up.stderr
        state = json.loads((fresh_home / "network.json").read_text())
        assert state["backend"] == "docker" and state["adopted"] is True
        network = make("native", home=fresh_home)  # the home's record picks the docker backend
        network.start()
        assert all(step.ok for step in run_check(network)), [s for s in run_check(network) if not s.ok]
        network.stop()
        lncli = lngym("--home", str(fresh_home), "lncli", "bob", "getinfo")
        assert lncli.returncode == 0 and json.loads(lncli.stdout)["alias"] == "bob"
        again = lngym("--home", str(fresh_home / "other"), "up", "--backend", "docker", "--attach")
        assert again.returncode == 1 and "already has coins or channels" in again.stderr
        assert lngym("--home", str(fresh_home), "clean").returncode == 0
        names = {c.labels[COMPOSE_NODE] for c in docker_client().containers.list(all=True,
                                                                                 filters={"label": COMPOSE_NODE})}
        assert names == SEED_SERVICES  # stopped by down, never removed
    finally:
        compose("down", "-v")


@pytest.mark.live
def test_clean_removes_exactly_the_containers_of_its_home(fresh_home: Path) -> None:
    """`lngym up --backend docker` from nothing; down stops the containers, clean removes them — and no other."""
    client = docker_client()
    foreign = client.containers.create(btcd_image(), command=["--version"], labels={HOME_LABEL: "/elsewhere"})
    try:
        assert lngym("--home", str(fresh_home), "up", "--backend", "docker").returncode == 0
        mine = {"label": f"{HOME_LABEL}={fresh_home.resolve()}"}
        assert len(client.containers.list(filters=mine)) == 6
        logs = lngym("--home", str(fresh_home), "logs", "alice", "-n", "5")
        assert logs.returncode == 0 and len(logs.stdout.splitlines()) == 5
        assert lngym("--home", str(fresh_home), "down").returncode == 0
        assert client.containers.list(filters=mine) == [] and len(client.containers.list(all=True, filters=mine)) == 6
        assert lngym("--home", str(fresh_home), "clean").returncode == 0
        assert client.containers.list(all=True, filters=mine) == []
        client.containers.get(foreign.id)  # still there
    finally:
        foreign.remove(force=True)


def test_dockerd_not_running_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    result = lngym("--home", str(tmp_path / "home"), "up", "--backend", "docker",
                   env={"DOCKER_HOST": f"unix://{tmp_path}/no-dockerd.sock"})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot reach dockerd" in result.stderr and "start it" in result.stderr
    assert not (tmp_path / "home").exists()


def test_missing_docker_sdk_is_one_line(tmp_path: Path) -> None:
    """Without the `docker` package the error says how to install it (simulated by blocking the import)."""
    code = ("import sys; sys.modules['docker'] = None; from lngym.cli.main import main; "
            f"sys.exit(main(['--home', {str(tmp_path / 'home')!r}, 'up', '--backend', 'docker']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == ("lngym up: the docker backend needs the Docker SDK for Python: "
                                     "pip install 'lngym[docker]' (or pip install docker)")
