"""Bad input to the CLI: a one-line error, a non-zero exit, nothing left running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lngym.network.native import NativeNetwork
from lngym.recorder import read_rows


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
    for command in (["status"], ["check"], ["lncli", "alice", "getinfo"], ["restart", "alice"], ["unlock"],
                    ["simulate", "--payments", "3"], ["rebalance", "--dry-run"]):
        result = run(*command, env=env)
        assert result.returncode == 1, command
        assert "no network is running" in result.stderr, (command, result.stderr)


def test_down_and_clean_on_nothing_are_harmless(tmp_path: Path) -> None:
    env = bare_env(tmp_path)
    assert run("down", env=env).returncode == 0
    assert run("clean", env=env).returncode == 0
    assert not (tmp_path / "home").exists()


#: Every command with a value it must refuse: (argv, words the one-line error contains).
BAD_VALUES = [
    (["up", "--scenario", "nope"], "no scenario named 'nope'"),
    (["up", "--bogus"], "unrecognized arguments"),
    (["status", "--json", "extra"], "unrecognized arguments"),
    (["logs", "alice", "-n", "many"], "invalid int value"),
    (["simulate", "--payments", "0", "--backend", "sim"], "expected a positive whole number"),
    (["simulate", "--payments", "ten", "--backend", "sim"], "expected a positive whole number"),
    (["simulate", "--duration", "-1", "--backend", "sim"], "expected a number above 0"),
    (["simulate", "--speed", "0", "--backend", "sim"], "expected a number above 0"),
    (["simulate", "--rate", "fast", "--backend", "sim"], "expected a number above 0"),
    (["simulate", "--backend", "podman"], "invalid choice"),
    (["simulate", "--backend", "sim", "--scenario", "nope", "--payments", "1"], "no scenario named 'nope'"),
    (["simulate", "--backend", "sim", "--rebalance-every", "-2", "--payments", "1"], "--rebalance-every"),
    (["simulate", "--scenario", "seed", "--payments", "1"], "--scenario applies to --backend sim"),
    (["rebalance", "--backend", "sim", "--target", "7"], "target must be a share from 0 to 1"),
    (["rebalance", "--backend", "sim", "--threshold", "1.5"], "threshold must be a share"),
    (["rebalance", "--backend", "sim", "--max-fee-ppm", "-3"], "max_fee_ppm must be a whole number"),
    (["bridge", "--port", "70000"], "expected a port from 0 to 65535"),
    (["bridge", "--port", "x"], "expected a port from 0 to 65535, got 'x'"),
    (["simulate", "--backend", "sim", "--bridge", "--min-confidence", "high"], "expected a number from 0 to 1"),
    (["train", "--envs", "0"], "expected a positive whole number, got 0"),
    (["evaluate", "--episodes", "many"], "expected a positive whole number, got 'many'"),
    (["bridge", "--set", "nonsense"], "--set expects KEY=VALUE"),
    (["bridge", "--set", "no_such_setting=1"], "unknown setting 'no_such_setting'"),
    (["bridge", "--host", "0.0.0.0"], "token"),
    (["lncli"], "the following arguments are required"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "words"), BAD_VALUES, ids=[" ".join(a) for a, _w in BAD_VALUES])
def test_bad_values_give_one_line_and_a_non_zero_exit(tmp_path: Path, argv: list[str], words: str) -> None:
    result = run(*argv, env=bare_env(tmp_path))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "home").exists()


def test_home_is_taken_before_or_after_the_command(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    for argv in (["--home", str(elsewhere), "status"], ["status", "--home", str(elsewhere)]):
        result = run(*argv, env=bare_env(tmp_path))
        assert result.returncode == 1 and f"no network is running in {elsewhere}" in result.stderr


def test_simulate_on_the_twin_writes_every_row_without_lnd(tmp_path: Path) -> None:
    csv_path = tmp_path / "twin.csv"
    env = bare_env(tmp_path, LNGYM_BIN=str(tmp_path / "empty-bin"), PATH="/usr/bin:/bin")
    result = run("simulate", "--backend", "sim", "--payments", "1000", "--seed", "3", "--csv", str(csv_path), env=env)
    assert result.returncode == 0, result.stderr
    rows = read_rows(csv_path)
    assert len(rows) == 1000 and all(r["kind"] == "payment" for r in rows)
    assert {r["failure_reason"] for r in rows if r["success"] == "false"} <= {"no_route", "insufficient_balance",
                                                                             "timeout"}


@pytest.mark.parametrize(("content", "expected"), [
    ("short\n", "a wallet password needs at least 8 characters (lnd's rule), got 5"),
    ("", "is empty; its first line is the password"),
    (None, "--wallet-password-file: cannot read"),
])
def test_bad_wallet_password_is_one_line_and_starts_nothing(tmp_path: Path, content: str | None,
                                                            expected: str) -> None:
    password_file = tmp_path / "password"
    if content is not None:
        password_file.write_text(content)
    result = run("up", "--wallet-password-file", str(password_file), env=bare_env(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert not (tmp_path / "home").exists()
