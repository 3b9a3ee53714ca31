"""``lngym install``: build the pinned lnd, lncli, btcd and btcctl with the Go toolchain.

The binaries are built from their Go modules through a small wrapper module per
project (lnd's ``replace`` directives only take effect in the main module).
They are static (CGO off), so the same files also go into the Docker images.
lnd and lncli get the build tags of lnd's releases (``versions.LND_BUILD_TAGS``).
A JSON manifest beside them records the version and tags of each build, which
makes a second ``lngym install`` a no-op and an install made with other tags
(or none, as before lngym recorded them) a rebuild.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from lngym import versions
from lngym.errors import LngymError
from lngym.paths import bin_dir, cache_dir

MANIFEST = ".lngym-versions.json"


def installed_versions(target: Path) -> dict[str, object]:
    """Version and tags of each binary recorded by the last install into ``target`` (empty if none)."""
    try:
        return json.loads((target / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def missing_binaries(target: Path | None = None) -> list[str]:
    """Binaries absent from ``target`` or built from another version or with other tags than pinned."""
    target = target or bin_dir()
    recorded = installed_versions(target)
    return [
        name
        for name, build in versions.BINARIES.items()
        if not (target / name).is_file() or recorded.get(name) != build.manifest_entry()
    ]


def _wrapper_go_mod(module: str, version: str) -> str:
    """go.mod of the wrapper module that requires ``module`` and repeats its replaces."""
    if module == versions.LND_MODULE:
        go_directive, replaces = versions.LND_GO_DIRECTIVE, versions.LND_REPLACES
    else:
        go_directive, replaces = versions.BTCD_GO_DIRECTIVE, {}
    lines = [f"module lngym.local/build/{module.rsplit('/', 1)[-1]}", "", f"go {go_directive}", ""]
    lines.append(f"require {module} {version}")
    lines += [f"replace {old} => {new}" for old, new in replaces.items()]
    return "\n".join(lines) + "\n"


def install(
    target: Path | None = None, force: bool = False, log: Callable[[str], None] = print
) -> list[str]:
    """Build whatever is missing into ``target``; returns the names built."""
    target = target or bin_dir()
    todo = list(versions.BINARIES) if force else missing_binaries(target)
    if not todo:
        log(f"lnd {versions.LND_VERSION} and btcd {versions.BTCD_VERSION} already in {target}")
        return []
    go = shutil.which("go")
    if go is None:
        raise LngymError(
            "the Go toolchain is needed to build lnd and btcd but `go` is not on PATH; "
            "install Go 1.25 or newer (https://go.dev/doc/install) and run `lngym install` again"
        )
    target.mkdir(parents=True, exist_ok=True)
    by_build: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for name in todo:
        build = versions.BINARIES[name]
        by_build.setdefault((build.module, build.version, build.tags), []).append(build.package)
    for (module, version, tags), packages in by_build.items():
        with_tags = f" with tags {' '.join(tags)}" if tags else ""
        names = ", ".join(p.rsplit("/", 1)[-1] for p in packages)
        log(f"building {names} {version}{with_tags} (a few minutes on first run)")
        _go_build(go, module, version, tags, packages, target)
    recorded = installed_versions(target)
    recorded.update({name: versions.BINARIES[name].manifest_entry() for name in todo})
    (target / MANIFEST).write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    log(f"installed {', '.join(todo)} into {target}")
    return todo


def _go_build(
    go: str, module: str, version: str, tags: tuple[str, ...], packages: list[str], target: Path
) -> None:
    """Run ``go build`` for ``packages`` inside a fresh wrapper module."""
    work = cache_dir() / "build" / f"{module.rsplit('/', 1)[-1]}-{version}"
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text(_wrapper_go_mod(module, version))
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0")
    command = [go, "build", "-trimpath", "-tags", ",".join(tags), "-o", str(target) + os.sep, *packages]
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise LngymError(f"go build of {module}@{version} failed (in {work}):\n{tail}")
