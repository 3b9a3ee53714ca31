"""``lngym images``: local Docker images of the binaries ``lngym install`` built.

Nothing is pulled: each image is ``FROM scratch`` plus the static (CGO off)
binaries, so it builds offline in seconds. The build context is assembled in a
temporary directory, never in the working tree. Images are tagged with the
pinned versions and labelled with lngym's version and lnd's build tags, so a
user can tell which lngym made them; ``LNGYM_LND_IMAGE`` / ``LNGYM_BTCD_IMAGE``
pick other images (ones whose binaries sit in ``/bin``, as in
``lightninglabs/lnd``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from lngym import __version__, versions
from lngym.errors import BinaryMissingError, DockerError
from lngym.install import missing_binaries
from lngym.network.docker.client import docker_client, sdk
from lngym.paths import bin_dir

#: Where the binaries are inside every image (as in lightninglabs/lnd).
IMAGE_BIN = "/bin"


class ImageSpec(NamedTuple):
    """One image: its tag, the binaries it holds and the labels it carries."""

    tag: str
    binaries: tuple[str, ...]
    labels: dict[str, str]


def lnd_image() -> str:
    """The lnd image the docker backend runs: ``LNGYM_LND_IMAGE`` or the local build."""
    return os.environ.get("LNGYM_LND_IMAGE") or f"lngym-lnd:{versions.LND_VERSION}"


def btcd_image() -> str:
    """The btcd image the docker backend runs: ``LNGYM_BTCD_IMAGE`` or the local build."""
    return os.environ.get("LNGYM_BTCD_IMAGE") or f"lngym-btcd:{versions.BTCD_VERSION}"


def specs() -> list[ImageSpec]:
    """The images ``lngym images`` builds."""
    common = {"org.lngym.version": __version__}
    return [
        ImageSpec(f"lngym-btcd:{versions.BTCD_VERSION}", ("btcd", "btcctl"),
                  {**common, "org.lngym.btcd-version": versions.BTCD_VERSION}),
        ImageSpec(f"lngym-lnd:{versions.LND_VERSION}", ("lnd", "lncli"),
                  {**common, "org.lngym.lnd-version": versions.LND_VERSION,
                   "org.lngym.lnd-build-tags": " ".join(versions.LND_BUILD_TAGS)}),
    ]


def dockerfile(spec: ImageSpec) -> str:
    """A FROM-scratch Dockerfile: the binaries and nothing else (no base image to pull)."""
    lines = ["FROM scratch", f"COPY {' '.join(spec.binaries)} {IMAGE_BIN}/",
             "ENV HOME=/data", f'ENTRYPOINT ["{IMAGE_BIN}/{spec.binaries[0]}"]']
    return "\n".join(lines) + "\n"


def check_static(path: Path) -> None:
    """Refuse a dynamically linked binary: a scratch image has no C library for it."""
    with open(path, "rb") as binary:
        head = binary.read(4096)
    if b"ld-linux" in head or b"ld-musl" in head:
        raise DockerError(f"{path} is dynamically linked and cannot run in a scratch image; "
                          "rebuild it static with `lngym install --force` (it builds with CGO_ENABLED=0)")


def build_images(log: Callable[[str], None] = print) -> list[str]:
    """Build every image from the installed binaries; returns their tags."""
    source = bin_dir()
    missing = missing_binaries(source)
    if missing:
        raise BinaryMissingError(f"{', '.join(missing)} missing or not the pinned build in {source}; "
                                 "run `lngym install` first")
    client = docker_client()
    built = []
    for spec in specs():
        with tempfile.TemporaryDirectory(prefix="lngym-image-") as context:
            for name in spec.binaries:
                check_static(source / name)
                shutil.copy2(source / name, Path(context) / name)
            (Path(context) / "Dockerfile").write_text(dockerfile(spec))
            log(f"building {spec.tag} from {', '.join(spec.binaries)} in {source}")
            _build(client, context, spec)
        built.append(spec.tag)
    return built


def _build(client: Any, context: str, spec: ImageSpec) -> None:
    try:
        client.images.build(path=context, tag=spec.tag, labels=spec.labels, rm=True, pull=False)
    except (sdk().errors.BuildError, sdk().errors.APIError) as exc:
        raise DockerError(f"docker build of {spec.tag} failed: {exc}") from None


def ensure_images(log: Callable[[str], None] = print) -> None:
    """Build the local images if the images the backend runs are missing (``lngym up`` from nothing)."""
    client = docker_client()
    for tag in (btcd_image(), lnd_image()):
        try:
            client.images.get(tag)
        except sdk().errors.ImageNotFound:
            if tag not in {spec.tag for spec in specs()}:
                raise DockerError(f"image {tag} is not on this machine; `docker pull {tag}` it, "
                                  "or unset LNGYM_LND_IMAGE/LNGYM_BTCD_IMAGE to use `lngym images`") from None
            build_images(log)
            return
