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


def test_folder_that_is_not_polars_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "networks" / "1"
    folder.mkdir(parents=True)
    assert main(["--home", str(tmp_path / "home"), "attach", "--polar", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "not a Polar network folder" in err and err.count("\n") == 1, err
    assert not (tmp_path / "home").exists()


def test_registered_home_gets_the_attach_backend_and_clean_refuses_without_lnd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A registration whose nodes do not answer: the backend is chosen from the file, nothing is deleted."""
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
    assert main(["--home", str(home), "clean"]) == 1
    err = capsys.readouterr().err
    assert "never deletes them" in err and err.count("\n") == 1, err
    with pytest.raises(NetworkStateError, match="no attached node"):
        network.start()
    with pytest.raises(NetworkStateError, match="needs the home"):
        make("attach")
    assert (home / STATE_FILE).exists()
