"""Bad input to the CLI: a one-line error, a non-zero exit, nothing left running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lngym.network.native import NativeNetwork


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lngym.cli.main", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, LNGYM_HOME=str(tmp_path / "home"), **extra)
    return env


def test_malformed_scenario_is_one_line_and_starts_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('nodes = ["alice", "bob"]\n[[channels]]\na = "alice"\nb = "zed"\ncapacity = 100000\n')
    result = run("up", "--scenario", str(broken), env=bare_env(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "channels[0].b" in lines[0] and str(broken) in lines[0]
    assert not NativeNetwork("seed", home=tmp_path / "home").is_running()


def test_missing_binaries_say_to_run_install(tmp_path: Path) -> None:
    env = bare_env(tmp_path, LNGYM_BIN=str(tmp_path / "empty-bin"), PATH="/usr/bin:/bin")
    result = run("up", env=env)
    assert result.returncode == 1
    assert "not found" in result.stderr and "lngym install" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not NativeNetwork("seed", home=tmp_path / "home").is_running()


def test_install_without_go_explains_what_to_do(tmp_path: Path) -> None:
    env = bare_env(tmp_path, LNGYM_BIN=str(tmp_path / "empty-bin"), PATH=str(Path(sys.executable).parent))
    result = run("install", env=env)
    assert result.returncode == 1
    assert "`go` is not on PATH" in result.stderr


def test_commands_without_a_network_say_so(tmp_path: Path) -> None:
    env = bare_env(tmp_path)
    for command in (["status"], ["check"], ["lncli", "alice", "getinfo"], ["restart", "alice"],
                    ["simulate", "--payments", "3"], ["rebalance", "--dry-run"]):
        result = run(*command, env=env)
        assert result.returncode == 1, command
        assert "no network is running" in result.stderr, (command, result.stderr)


def test_down_and_clean_on_nothing_are_harmless(tmp_path: Path) -> None:
    env = bare_env(tmp_path)
    assert run("down", env=env).returncode == 0
    assert run("clean", env=env).returncode == 0
    assert not (tmp_path / "home").exists()
