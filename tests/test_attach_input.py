"""Bad nodes files that fail before any node is contacted: one line, nothing registered."""

from __future__ import annotations

from pathlib import Path

import pytest

from lngym.cli.main import main
from lngym.network.native.state import STATE_FILE


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not valid JSON"),
    ('{"nodes": []}', 'a non-empty "nodes" list'),
    ('{"nodes": [{"id": "alice", "address": "127.0.0.1:10009", "cert": "c"}]}', "node alice: missing field 'macaroon'"),
    ('{"nodes": [{"id": "alice", "address": "127.0.0.1:10009", "cert": "nope", "macaroon": "nope"}]}',
     "node alice: macaroon: no such file"),
    ('{"nodes": [{"id": "alice", "address": "localhost", "cert": "c", "macaroon": "m"}]}',
     "node alice: address 'localhost' is not host:port"),
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
