"""Scenario files: the seed loads, and each malformation names file, field and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from lngym.errors import NetworkStateError, ScenarioError, UnknownNodeError
from lngym.network.native.bootstrap import validate_for_lnd
from lngym.scenario import load_scenario, scenario_from_dict, wire_name

SEED_NODES = ("alice", "bob", "carol", "dave", "eve")


def test_seed_is_the_ring_with_the_bob_dave_chord() -> None:
    seed = load_scenario()
    assert seed.nodes == SEED_NODES
    pairs = [(c.a, c.b) for c in seed.channels]
    assert pairs == [("alice", "bob"), ("bob", "carol"), ("carol", "dave"), ("dave", "eve"),
                     ("eve", "alice"), ("bob", "dave")]
    assert all(c.capacity_sat == 1_000_000 and c.push_sat == 500_000 for c in seed.channels)
    assert seed.policy.fee_rate_ppm == 0


def test_node_names_accept_the_wire_form() -> None:
    seed = load_scenario("seed")
    assert seed.node("lnd-alice") == "alice" and wire_name("alice") == "lnd-alice"
    assert seed.channel_index("lnd-bob", "alice") == 0
    with pytest.raises(UnknownNodeError, match="unknown node 'mallory'"):
        seed.node("mallory")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        ('nodes = ["alice"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000', "nodes", "at least two"),
        ('nodes = ["alice", "Bob!"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000', "nodes[1]", "lowercase"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="carol"\ncapacity=100000', "channels[0].b", "one of the nodes"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity="big"', "channels[0].capacity", "positive integer"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\nsplit=1.5', "channels[0].split", "from 0 to 1"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\ncolour=1', "channels[0].colour", "one of a, b"),
        ('nodes = ["alice", "bob"]\nchannels = []', "channels", "non-empty list"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy]\nfee_rate_ppm=-1', "policy.fee_rate_ppm", "≥ 0"),
        ('nodes = ["a1", "b1"]\ntopology = 3', "topology", "one of"),
    ],
)
def test_malformed_scenario_names_file_field_and_expectation(
    tmp_path: Path, body: str, field: str, expected: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert message.startswith(str(path.resolve()))
    assert f": {field}: expected" in message and expected in message


def test_invalid_toml_and_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(_write(tmp_path, "nodes = [\n"))
    with pytest.raises(ScenarioError, match="no scenario named 'atlantis'"):
        load_scenario("atlantis")
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "absent.toml")


def test_lnd_limits_are_checked_before_anything_starts() -> None:
    huge = scenario_from_dict(
        {"nodes": ["alice", "bob"], "channels": [{"a": "alice", "b": "bob", "capacity": 50_000_000}]}
    )
    with pytest.raises(NetworkStateError, match="channels\\[0\\].capacity"):
        validate_for_lnd(huge)
