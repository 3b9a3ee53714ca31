"""lngym install: which binaries need a (re)build, and with which tags they are built."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lngym import install, versions


def _install_all(target: Path, manifest: dict[str, Any]) -> None:
    for name in versions.BINARIES:
        (target / name).write_text("#!/bin/sh\n")
    (target / install.MANIFEST).write_text(json.dumps(manifest))


def test_lnd_and_lncli_carry_the_release_tags() -> None:
    for name in ("lnd", "lncli"):
        assert {"invoicesrpc", "walletrpc", "signrpc", "chainrpc"} <= set(versions.BINARIES[name].tags)
    assert versions.BINARIES["btcd"].tags == ()


def test_a_matching_manifest_needs_nothing(tmp_path: Path) -> None:
    _install_all(tmp_path, {name: build.manifest_entry() for name, build in versions.BINARIES.items()})
    assert install.missing_binaries(tmp_path) == []


def test_an_install_without_tags_is_rebuilt(tmp_path: Path) -> None:
    # The manifest an install wrote before tags were recorded: name -> version only.
    _install_all(tmp_path, {name: build.version for name, build in versions.BINARIES.items()})
    assert install.missing_binaries(tmp_path) == list(versions.BINARIES)
    untagged = {name: {"version": build.version, "tags": []} for name, build in versions.BINARIES.items()}
    _install_all(tmp_path, untagged)
    assert install.missing_binaries(tmp_path) == ["lnd", "lncli"]


def test_go_build_gets_the_tags_and_the_manifest_records_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(install.shutil, "which", lambda _name: "/usr/bin/go")
    monkeypatch.setattr(install.subprocess, "run", fake_run)
    target = tmp_path / "bin"
    built = install.install(target, force=True, log=lambda _line: None)
    assert built == list(versions.BINARIES)
    lnd_build = next(c for c in commands if versions.BINARIES["lnd"].package in c)
    assert lnd_build[lnd_build.index("-tags") + 1] == ",".join(versions.LND_BUILD_TAGS)
    btcd_build = next(c for c in commands if versions.BINARIES["btcd"].package in c)
    assert btcd_build[btcd_build.index("-tags") + 1] == ""
    manifest = install.installed_versions(target)
    assert manifest["lnd"] == {"version": versions.LND_VERSION, "tags": sorted(versions.LND_BUILD_TAGS)}
