"""Test-session wiring: the live harness (``live_harness``), pytester for the harness's own
tests, and a refusal to run ``train`` tests without stable-baselines3.

Live tests never skip: without lnd/btcd the network fixtures raise
``BinaryMissingError`` ("run `lngym install`") and every live test errors.
Train tests never skip either: a run that selects them on a machine without the
``train`` extra stops before running anything, so a full run cannot pass quietly
without them; ``-m "not train"`` deselects them on purpose.
"""

from __future__ import annotations

import importlib.util

import pytest

pytest_plugins = ["pytester", "live_harness"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse the run when selected ``train`` tests could only fail at their SB3 import."""
    train = [item.nodeid for item in items if item.get_closest_marker("train") is not None]
    missing = [name for name in ("stable_baselines3", "sb3_contrib") if importlib.util.find_spec(name) is None]
    if train and missing:
        raise pytest.UsageError(
            f"{len(train)} selected test(s) need the train extra ({missing[0]}), which is not "
            f"installed, e.g. {train[0]}: install it with pip install -e '.[train]', or deselect "
            'them with -m "not train"'
        )
