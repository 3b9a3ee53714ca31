"""The live harness on itself: inner live tests, run by pytester in a child pytest, that fail
or break nodes on purpose, and what the harness then keeps, prints and reports.

Each inner test starts a two-node, one-channel network (the quickest real one).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lngym.network.native import NativeNetwork
from lngym.network.native.process import pids_using
from lngym.paths import bin_dir

pytestmark = pytest.mark.live

TESTS = Path(__file__).resolve().parent
#: Read before pytester points HOME at its own directory, where no lnd is installed.
BINARIES = bin_dir()

PAIR = """
name = "pair"
nodes = ["alice", "bob"]

[[channels]]
a = "alice"
b = "bob"
capacity = 1_000_000
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester directory whose runs load the live harness and find lnd, with a pair.toml scenario."""
    monkeypatch.setenv("LNGYM_BIN", str(BINARIES))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), str(TESTS.parent)]))
    pytester.makeconftest('pytest_plugins = ["live_harness"]')
    pytester.makefile(".toml", pair=PAIR)
    return pytester


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    """The inner tests in a child pytest, so their harness is not this session's."""
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning")


def home_of(pytester: pytest.Pytester, result: pytest.RunResult, name: str) -> Path:
    """The home an inner test wrote down in the file ``name``."""
    record = pytester.path / name
    assert record.is_file(), f"the inner test did not get to record its home:\n{result.stdout.str()}"
    return Path(record.read_text())


def test_a_failed_test_keeps_every_home_it_used_and_prints_where(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_inner="""
        from pathlib import Path
        import pytest
        from lngym.network.native import NativeNetwork
        from lngym.network.native import temporary_home

        @pytest.mark.live
        def test_fails_with_a_network_running(fresh_home):
            network = NativeNetwork("pair.toml", home=temporary_home(), ephemeral=True)
            Path("fresh.txt").write_text(str(fresh_home))
            Path("network.txt").write_text(str(network.home))
            network.up()
            assert network.pay("alice", "bob", 1_000).success
            assert False, "failing on purpose"
    """)
    result = run(inner)
    fresh, launched = home_of(inner, result, "fresh.txt"), home_of(inner, result, "network.txt")
    try:
        result.assert_outcomes(failed=1)
        output = result.stdout.str()
        assert "failing on purpose" in output
        # Named in the failed test's report and again in the run's summary.
        assert output.count(str(launched)) >= 2 and output.count(str(fresh)) >= 2, output
        assert "lngym: network homes kept for inspection" in output
        assert fresh.is_dir()
        assert (launched / "network.json").is_file()
        assert "[INF]" in (launched / "alice" / "lnd.log").read_text()
        assert pids_using(launched) == []  # kept, but stopped
    finally:
        NativeNetwork(home=launched).clean()
        NativeNetwork(home=fresh).clean()


def test_teardown_names_a_killed_node_and_an_err_line_unless_the_test_allows_them(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(test_inner="""
        import subprocess
        from pathlib import Path
        import pytest
        from lngym.network.native import NativeNetwork

        def break_nodes(home, record):
            network = NativeNetwork("pair.toml", home=home)
            Path(record).write_text(str(home))
            network.up()
            network.kill_node("bob")
            # A ConnectPeer that cannot succeed: LND logs the refused RPC at ERR.
            subprocess.run([*network.lncli_argv("alice"), "connect", "02" + "11" * 32 + "@127.0.0.1:9"],
                           capture_output=True, timeout=60)

        @pytest.mark.live
        def test_breaks_nodes_unannounced(fresh_home):
            break_nodes(fresh_home, "unannounced.txt")

        @pytest.mark.live
        @pytest.mark.may_crash("bob")
        @pytest.mark.allow_log_errors(r"RPCS: \\[(connectpeer|/lnrpc.Lightning/ConnectPeer)\\]")
        def test_breaks_nodes_as_announced(fresh_home):
            break_nodes(fresh_home, "announced.txt")
    """)
    result = run(inner)
    unannounced, announced = home_of(inner, result, "unannounced.txt"), home_of(inner, result, "announced.txt")
    try:
        result.assert_outcomes(passed=2, errors=1)
        output = result.stdout.str()
        assert "ERROR at teardown of test_breaks_nodes_unannounced" in output
        assert re.search(rf"bob \(network in {re.escape(str(unannounced))}\): crashed: pid \d+ is gone", output)
        assert re.search(rf"alice \(network in {re.escape(str(unannounced))}\): \d+ unexpected \[ERR\]", output)
        assert re.search(r"\[ERR\] RPCS: \[(connectpeer|/lnrpc\.Lightning/ConnectPeer)\]", output)
        assert unannounced.is_dir() and str(unannounced) in output  # checks failed: kept
        assert not announced.exists()  # allowed: a passing test's home is removed
    finally:
        NativeNetwork(home=unannounced).clean()
