"""pytest plugin for live tests, in the style of pyln-testing's fixtures.

Every live test gets a ``LiveHarness`` that learns each network the test uses:
the session's seed network (through ``network``), every network launched during
the test (``NativeNetwork.up`` is watched) and ``fresh_home``. When the test ends
it checks each node of them (``live_checks``), stops what the test launched,
and gathers every problem into one failure naming node and problem. A test that
failed (or whose checks did) keeps every one of those homes and prints where:
in the test's report and again in the summary at the end of the run.

Tests that break nodes on purpose say so with markers (registered in pyproject):

* ``@pytest.mark.may_crash("carol")``: carol may be found dead at the end;
* ``@pytest.mark.allow_log_errors(r"regex", ...)``: ``[ERR]`` lines matching one are expected.

The seed network runs on each backend a test names with ``@pytest.mark.backends("native",
"docker")`` (one parametrised fixture: the same test on lnd processes and on lnd
containers); unmarked tests run on ``native``. ``LNGYM_LIVE_BACKENDS=native``
(comma-separated) narrows every test to those backends.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from live_checks import Problem, WatchedNetwork

from lngym.network import make
from lngym.network.native import NativeNetwork

#: ``[ERR]`` lines any live test may produce: each is LND logging, at error level, an
#: event lngym causes on purpose. Found by running the live suite and reading the logs.
EXPECTED_ERRORS: list[re.Pattern[str]] = [
    # A payment that finds no route or no balance is an outcome lngym measures (the
    # envs' success rate, `lngym simulate`'s rows); LND's router logs each at ERR.
    re.compile(r"CRTR: No route found for payment"),
    re.compile(r"CRTR: Payment \w+ failed: (no_route|insufficient_balance)$"),
    # A cancelled hold invoice (a swap that cannot complete) fails its payer this way.
    re.compile(r"CRTR: Payment \w+ failed: (final_outcome=)?incorrect_payment_details"),
    # A hop whose next channel lacks the balance fails the HTLC back (the sender then
    # tries another route): drained channels are what the envs model.
    re.compile(r"HSWC: insufficient bandwidth to route htlc$"),
    re.compile(r"HSWC: Unhandled error while reforwarding htlc settle/fail over htlcswitch: "
               r"insufficient bandwidth to route htlc$"),
    # Every graceful stop (down, restart, hard reset): lnd's chain notifier closes
    # its block stream while the tracker still reads it.
    re.compile(r"NTFN: dead epoch stream in BestBlockTracker"),
    # restart_node reconnects each channel peer and treats "already connected" (the
    # peer reconnected first) as success; LND logs the refused ConnectPeer at ERR.
    re.compile(r"RPCS: \[(connectpeer|/lnrpc.Lightning/ConnectPeer)\]: .*already connected to peer"),
    # lngym closes an invoice subscription once it has seen the state it waited for.
    re.compile(r"RPCS: \[/invoicesrpc.Invoices/SubscribeSingleInvoice\]: subscription for invoice\(.*\): context canceled"),
]

_KEPT = pytest.StashKey[list[tuple[str, Path]]]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_HARNESS = pytest.StashKey["LiveHarness"]()
_SEED_KEEP = pytest.StashKey[list[str]]()
_SECTION = "lngym: network homes kept for inspection"
#: Homes of the session's seed networks: never a test's own, whichever test starts them.
_SEED_HOMES: set[Path] = set()


def new_home(prefix: str) -> Path:
    """A fresh directory for a network home, outside pytest's tmp_path so its name is short."""
    return Path(tempfile.mkdtemp(prefix=f"lngym-test-{prefix}-"))


class LiveHarness:
    """The networks one live test used, checked, stopped and kept or removed when it ends."""

    def __init__(self, item: pytest.Item) -> None:
        self.item = item
        self.watched: dict[Path, WatchedNetwork] = {}
        self.fresh_homes: list[Path] = []
        self.seed: NativeNetwork | None = None

    def watch(self, network: NativeNetwork, owned: bool, from_start: bool = False) -> None:
        """Start watching ``network`` (once per home): its logs from now on, its nodes at the end."""
        if network.home not in self.watched:
            self.watched[network.home] = WatchedNetwork(network, owned, from_start)

    def watch_seed(self, network: NativeNetwork) -> None:
        """Watch the session's shared network: checked like any other, never stopped by a test."""
        self.seed = network
        self.watch(network, owned=False)

    def new_home(self) -> Path:
        """An empty home the test may start networks in; checked, then removed or kept."""
        home = new_home("own")
        self.fresh_homes.append(home)
        return home

    def own_homes(self) -> list[Path]:
        """The homes of networks this test launched, and its fresh homes, that still exist."""
        homes = [w.home for w in self.watched.values() if w.network is not self.seed]
        homes += [h for h in self.fresh_homes if h not in homes]
        return [home for home in homes if home.exists()]

    def homes(self) -> list[str]:
        """Every home a failure of this test keeps, the shared one marked as such."""
        homes = [str(home) for home in self.own_homes()]
        if self.seed is not None:
            homes.append(f"{self.seed.home} (the shared seed network, kept when the session ends)")
        return homes

    def finish(self) -> None:
        """Check every node, stop what the test launched, keep or remove homes; fail with every problem."""
        for home in self.fresh_homes:  # a network started there by a child process (`lngym up`)
            if (home / "network.json").exists() and home not in self.watched:
                self.watch(_network_at(home), owned=True, from_start=True)
        may_crash = {name for mark in self.item.iter_markers("may_crash") for name in mark.args}
        allowed = [*EXPECTED_ERRORS, *(re.compile(p) for m in self.item.iter_markers("allow_log_errors")
                                        for p in m.args)]
        problems: list[Problem] = []
        for watched in self.watched.values():
            problems += watched.crashed(may_crash)
            if watched.owned:
                watched.network.down()
            watched.gather_errors()
            problems += watched.unexpected_errors(allowed)
            if watched.owned:
                problems += watched.leftovers()
        failed = any(report.failed for report in self.item.stash.get(_REPORTS, {}).values())
        if failed or problems:
            self._keep()
        else:
            self._remove()
        if problems:
            pytest.fail(self._describe(problems), pytrace=False)

    def _keep(self) -> None:
        self.item.config.stash[_KEPT].extend((self.item.nodeid, home) for home in self.own_homes())
        if self.seed is not None:
            self.item.config.stash[_SEED_KEEP].append(self.item.nodeid)

    def _remove(self) -> None:
        for watched in self.watched.values():
            if watched.owned and watched.network.cluster.ephemeral:
                watched.network.clean()
        for home in self.fresh_homes:
            if (home / "network.json").exists():  # clean() also removes a tmpfs data directory (and containers)
                _network_at(home).clean()
            shutil.rmtree(home, ignore_errors=True)

    def _describe(self, problems: list[Problem]) -> str:
        lines = [f"lngym teardown checks found {len(problems)} problem(s):"]
        lines += ["  " + str(problem).replace("\n", "\n      ") for problem in problems]
        lines.append('(a test that breaks nodes on purpose says so: @pytest.mark.may_crash("node"), '
                     '@pytest.mark.allow_log_errors(r"regex"))')
        lines.append(f"{_SECTION}:")
        lines += [f"  {home}" for home in self.homes()]
        return "\n".join(lines)


@contextmanager
def _watching_launches(harness: LiveHarness) -> Iterator[None]:
    """Route ``NativeNetwork.up`` and ``clean`` through the harness for the test's duration.

    ``up`` registers the network before it launches, so a failed start is kept too;
    ``clean`` first reads the logs it is about to delete (an env's close cleans its network).
    """
    original_up, original_clean = NativeNetwork.up, NativeNetwork.clean

    def up(network: NativeNetwork) -> None:
        if network.home not in _SEED_HOMES:  # the shared network may start inside the first test using it
            harness.watch(network, owned=True)
        original_up(network)

    def clean(network: NativeNetwork) -> None:
        watched = harness.watched.get(network.home)
        if watched is not None:
            network.down()
            watched.gather_errors()
        original_clean(network)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NativeNetwork, "up", up)
        patch.setattr(NativeNetwork, "clean", clean)
        yield


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def harness(request: pytest.FixtureRequest) -> Iterator[LiveHarness]:
    """The current test's harness (every live test has one, see ``_live_harness``)."""
    live = LiveHarness(request.node)
    request.node.stash[_HARNESS] = live
    with _watching_launches(live):
        yield live
        live.finish()


@pytest.fixture(autouse=True)
def _live_harness(request: pytest.FixtureRequest) -> None:
    """Give every test marked ``live`` a harness, whether or not it asks for a network fixture."""
    if request.node.get_closest_marker("live") is not None:
        request.getfixturevalue("harness")


@pytest.fixture(scope="session")
def seed_network(request: pytest.FixtureRequest, live_backend: str) -> Iterator[NativeNetwork]:
    """The seed network (5 nodes, 6 channels) on ``live_backend``, started once for the whole session.

    Kept (and named in the summary) if a test that used it failed; otherwise
    removed. Processes left after it is stopped fail the last test's teardown.
    """
    network = make(live_backend, "seed", home=new_home(f"seed-{live_backend}"))
    assert isinstance(network, NativeNetwork)  # both process backends are NativeNetworks with their runtime
    _SEED_HOMES.add(network.home)
    network.up()
    watched = WatchedNetwork(network, owned=True)
    yield network
    network.down()
    problems = watched.leftovers()
    failures = request.config.stash[_SEED_KEEP]
    if failures:
        request.config.stash[_KEPT].append((f"shared by {len(failures)} failed test(s)", network.home))
    else:
        network.clean()
    if problems:
        pytest.fail("\n".join(map(str, problems)), pytrace=False)


@pytest.fixture
def network(seed_network: NativeNetwork, harness: LiveHarness) -> NativeNetwork:
    """The session's seed network, back at its initial balances for each test."""
    harness.watch_seed(seed_network)
    seed_network.reset_balances()
    return seed_network


@pytest.fixture
def fresh_home(harness: LiveHarness) -> Path:
    """An empty home for a test that starts its own network; removed afterwards unless the test failed."""
    return harness.new_home()


@pytest.fixture(scope="session")
def live_backend(request: pytest.FixtureRequest) -> str:
    """The backend the seed network of this test runs on (parametrised by ``pytest_generate_tests``)."""
    if not hasattr(request, "param"):
        # Unparametrised, it would be another session instance: pytest would tear the shared
        # seed network down and start a new one, under the tests that hold the old one.
        pytest.fail(f"{request.node.nodeid} asks for the seed network at run time: take `network` as an "
                    "argument, or mark the test `usefixtures('live_backend')`", pytrace=False)
    return str(request.param)


def _network_at(home: Path) -> NativeNetwork:
    """The network under ``home``, of the backend that started it."""
    network = make("native", home=home)
    assert isinstance(network, NativeNetwork)
    return network


# -- hooks --------------------------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test on the seed network of every backend it names (``backends`` marker, default native)."""
    if "live_backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    wanted = list(marker.args) if marker is not None else ["native"]
    allowed = os.environ.get("LNGYM_LIVE_BACKENDS")
    if allowed:
        wanted = [b for b in wanted if b in allowed.split(",")] or wanted[:1]
    metafunc.parametrize("live_backend", wanted, indirect=True, scope="session")


def pytest_configure(config: pytest.Config) -> None:
    """Start the run's lists of kept homes, filled as tests end and printed in the summary."""
    config.stash[_KEPT] = []
    config.stash[_SEED_KEEP] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report for the teardown checks; name the kept homes in a failed one."""
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    harness = item.stash.get(_HARNESS, None)
    if harness is not None and report.failed and report.when != "teardown":
        report.sections.append((_SECTION, "\n".join(harness.homes())))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """List every kept home at the end of the run, where CI logs show it."""
    kept = config.stash.get(_KEPT, [])
    if kept:
        terminalreporter.section(_SECTION)
        for test, home in kept:
            terminalreporter.write_line(f"{home}  ({test})")
