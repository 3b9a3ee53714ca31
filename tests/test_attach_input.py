"""Bad nodes files that fail before any node is contacted: one line, nothing registered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lngym.cli.main import main
from lngym.errors import NetworkStateError
from lngym.network import make
from lngym.network.attach import AttachNetwork
from lngym.network.native.state import STATE_FILE


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not valid JSON"),
    ('{"nodes": []}', 'a non-empty "nodes" list'),
    ('{"nodes": [{"id": "alice", "address": "127.0.0.1:10009", "cert": "c"}]}', "node alice: missing field 'macaroon'"),
    ('{"nodes": [{"id": "alice", "address": "127.0.0.1:10009", "cert": "nope", "macaroon": "nope"}]}',
     "node alice: macaroon: no such file"),
    ('{"nodes": [{"id": "alice", "address": "localhost", "cert": "c", "macaroon": "m"}]}',
     "node alice: address 'localhost' is not host:port"),
    ('{"nodes": [{"id": "bob", "address": "127.0.0.1:1", "ca_cert": "a", "client_cert": "b", "client_key": "c"}]}',
     "node bob: a CLN node"),
])
def test_bad_nodes_file_is_one_line_and_registers_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "nodes.json"
    path.write_text(content)
    home = tmp_path / "home"
    assert main(["--home", str(home), "attach", str(path)]) == 1
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not (home / STATE_FILE).exists()


SWAP_BITCOIN = {"rpchost": "127.0.0.1:1", "rpcuser": "u", "rpcpass": "p", "cert": "f"}


@pytest.mark.parametrize(("swap", "bitcoin", "flags", "expected"), [
    ({"server": "carol"}, SWAP_BITCOIN, [], "swap.server: expected one of the nodes (alice, bob), got 'carol'"),
    ({}, SWAP_BITCOIN, ["--swap-server", "carol"], "swap.server: expected one of the nodes (alice, bob)"),
    ({"server": "bob", "fee_ppm": -1}, SWAP_BITCOIN, [], "swap.fee_ppm: expected a whole number ≥ 0, got -1"),
    ({"server": "bob", "min_sat": "50k"}, SWAP_BITCOIN, [], "swap.min_sat: expected a whole number ≥ 0, got '50k'"),
    ({"server": "bob", "min_sat": 9, "max_sat": 8}, SWAP_BITCOIN, [], "swap.min_sat: expected above 0 and at most"),
    ({"server": "bob", "confirmations": 0}, SWAP_BITCOIN, [], "swap.confirmations: expected at least 1 block"),
    ({"server": "bob", "fee": 1}, SWAP_BITCOIN, [], "swap.fee: expected one of server, base_fee_sat"),
    ({"server": "bob", "reserve_sat": 1}, SWAP_BITCOIN, [], "swap.reserve_sat: lngym funds nothing"),
    ({"server": "bob"}, None, [], 'swap: a swap\'s on-chain leg needs blocks lngym mines: add a "bitcoin" entry'),
    (None, None, ["--swap-server", "bob"], 'add a "bitcoin" entry'),
])
def test_bad_swap_entry_is_one_line_naming_the_field_and_registers_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], swap: dict[str, object] | None,
    bitcoin: dict[str, str] | None, flags: list[str], expected: str,
) -> None:
    """Checked before any node is contacted: these nodes' files exist, but nothing answers at their addresses."""
    (tmp_path / "f").write_text("x")
    nodes = [{"id": name, "address": "127.0.0.1:1", "cert": "f", "macaroon": "f"} for name in ("alice", "bob")]
    content: dict[str, object] = {"nodes": nodes}
    if swap is not None:
        content["swap"] = swap
    if bitcoin is not None:
        content["bitcoin"] = bitcoin
    path = tmp_path / "nodes.json"
    path.write_text(json.dumps(content))
    home = tmp_path / "home"
    assert main(["--home", str(home), "attach", str(path), *flags]) == 1
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not (home / STATE_FILE).exists()


def test_polar_folder_with_a_swap_server_is_refused_for_want_of_btcd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "networks" / "1"
    folder.mkdir(parents=True)
    assert main(["--home", str(tmp_path / "home"), "attach", "--polar", str(folder), "--swap-server", "alice"]) == 1
    err = capsys.readouterr().err
    assert "Polar network's bitcoin node is Bitcoin Core" in err and err.count("\n") == 1, err
    assert not (tmp_path / "home").exists()


def test_folder_that_is_not_polars_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "networks" / "1"
    folder.mkdir(parents=True)
    assert main(["--home", str(tmp_path / "home"), "attach", "--polar", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "not a Polar network folder" in err and err.count("\n") == 1, err
    assert not (tmp_path / "home").exists()


def test_registered_home_gets_the_attach_backend_and_clean_forgets_only_the_registration(tmp_path: Path) -> None:
    """A registration whose nodes do not answer: the backend is chosen from the file; `clean`
    removes lngym's file and nothing else of the home."""
    home = tmp_path / "home"
    home.mkdir()
    node = {"id": "x", "address": "127.0.0.1:1", "macaroon": "m", "cert": "c", "pubkey": "02" + "0" * 64}
    registration = {
        "backend": "attach", "bitcoin": None, "skipped_channels": [],
        "nodes": {"alice": {**node, "id": "alice"}, "bob": {**node, "id": "bob", "pubkey": "03" + "0" * 64}},
        "channels": [{"index": 0, "a": "alice", "b": "bob", "capacity": 100_000, "chan_id": 1,
                      "initial_a": 50_000, "initial_b": 50_000}],
        "scenario": {"name": "attached", "nodes": ["alice", "bob"],
                     "channels": [{"a": "alice", "b": "bob", "capacity": 100_000, "split": 0.5}]},
    }
    (home / STATE_FILE).write_text(json.dumps(registration))
    network = make("native", home=home)
    assert isinstance(network, AttachNetwork) and network.scenario.nodes == ("alice", "bob")
    with pytest.raises(NetworkStateError, match="no attached node"):
        network.start()
    with pytest.raises(NetworkStateError, match="needs the home"):
        make("attach")
    assert (home / STATE_FILE).exists()
    (home / "notes.txt").write_text("the user's own file")
    assert main(["--home", str(home), "clean"]) == 0  # nodes that do not answer: forgotten all the same
    assert not (home / STATE_FILE).exists() and (home / "notes.txt").read_text() == "the user's own file"
