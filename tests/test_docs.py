"""The front door stays true: README.md and the manual name every command, and the
README stays short enough to be read (the manual in docs/ holds the detail)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from lngym.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent


def subcommands() -> set[str]:
    """The names of lngym's top-level commands, as the parser knows them."""
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def test_readme_cli_table_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## CLI", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z][a-z-]*)(?: [a-z]+)?`", table))
    missing = subcommands() - named
    assert not missing, f"README's CLI table does not name: {sorted(missing)}"


def test_manual_cli_page_names_every_command() -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    missing = {c for c in subcommands() if f"`lngym {c}" not in page}
    assert not missing, f"docs/cli.md does not describe: {sorted(missing)}"


def test_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move detail into docs/"
    for link in re.findall(r"\]\((docs/[^)#]+)", "\n".join(lines)):
        assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"
