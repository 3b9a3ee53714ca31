"""Shared fixtures: one live seed network per test session, homes that survive failures.

Live tests never skip: without lnd/btcd the network fixture raises
``BinaryMissingError`` ("run `lngym install`") and every live test errors.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from lngym.network.native import NativeNetwork

_failed_homes: list[Path] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember which tests failed so their network homes are kept for inspection."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item.session.lngym_failed = True  # type: ignore[attr-defined]


def _new_home(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"lngym-test-{prefix}-"))


def _finish(network: NativeNetwork, session: pytest.Session) -> None:
    """Stop the network; keep its directory (and say where) if anything failed."""
    network.down()
    if getattr(session, "lngym_failed", False):
        print(f"\nlngym: network home kept for inspection: {network.home}")
    else:
        network.clean()
        shutil.rmtree(network.home, ignore_errors=True)


@pytest.fixture(scope="session")
def seed_network(request: pytest.FixtureRequest) -> Iterator[NativeNetwork]:
    """The seed network (5 nodes, 6 channels), started once for the whole session."""
    network = NativeNetwork("seed", home=_new_home("seed"))
    network.up()
    yield network
    _finish(network, request.session)


@pytest.fixture
def network(seed_network: NativeNetwork) -> Iterator[NativeNetwork]:
    """The session's seed network, back at its initial balances for each test."""
    seed_network.reset_balances()
    yield seed_network


@pytest.fixture
def fresh_home() -> Iterator[Path]:
    """An empty home for a test that starts its own network; removed afterwards."""
    home = _new_home("own")
    yield home
    NativeNetwork("seed", home=home).clean()
    shutil.rmtree(home, ignore_errors=True)
