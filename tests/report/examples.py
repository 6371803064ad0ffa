"""Small deterministic images for the renderer tests, and golden-file comparison."""

from __future__ import annotations

import os
from pathlib import Path

from imagekit.analyze import Analysis, analyze
from tests.support.images import MemoryImage, MemoryLayer, directory, file, tar, whiteout

GOLDEN = Path(__file__).resolve().parent / "golden"
ELF = b"\x7fELF"


def _filler(seed: int, size: int) -> bytes:
    """``size`` bytes that differ with ``seed`` (and gzip does not shrink to nothing)."""
    out = bytearray()
    state = seed
    while len(out) < size:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out += state.to_bytes(4, "little")
    return bytes(out[:size])


BASE = tar(
    directory("etc"),
    file("etc/os-release", b"ID=example\n"),
    file("bin/sh", ELF + _filler(1, 2000), 0o755),
)
APT = tar(
    file("var/lib/apt/lists/deb.example.com_dists_stable_Packages", _filler(2, 40_000)),
    file("var/lib/apt/lists/lock", b""),
    file("var/cache/apt/archives/curl_8.0_amd64.deb", _filler(3, 30_000)),
    file("usr/bin/curl", ELF + _filler(4, 5_000), 0o755),
    file("tmp/build.log", _filler(5, 1_200)),
    file("opt/data/a.bin", _filler(6, 70_000)),
    file("opt/data/b.bin", _filler(6, 70_000)),
)
CLEANUP = tar(
    whiteout("var/cache/apt/archives/curl_8.0_amd64.deb"),
    file("usr/bin/curl", ELF + _filler(7, 6_000), 0o755),
    file("usr/local/bin/app", ELF + _filler(8, 9_000), 0o755),
)
HISTORY = (
    "/bin/sh -c #(nop) ADD file:0123456789abcdef in / ",
    "/bin/sh -c apt-get update && apt-get install -y curl | tee /tmp/build.log"
    " && cp /opt/data/a.bin /opt/data/b.bin",
    "RUN /bin/sh -c rm /var/cache/apt/archives/*.deb && cp curl-new /usr/bin/curl # buildkit",
)


def example_image(compression: str = "gzip", name: str = "docker-archive:app.tar") -> MemoryImage:
    """Three layers: a base, an apt install that leaves caches, a later cleanup."""
    layers = [MemoryLayer(data, compression) for data in (BASE, APT, CLEANUP)]
    return MemoryImage(layers, history=HISTORY, name=name)


def old_image() -> MemoryImage:
    """The image before: the base and a smaller install, no cleanup layer."""
    smaller = tar(
        file("usr/bin/curl", ELF + _filler(4, 8_000), 0o755),
        file("opt/data/a.bin", _filler(6, 70_000)),
        file("opt/old.txt", b"gone in the new image\n"),
    )
    layers = [MemoryLayer(BASE), MemoryLayer(smaller)]
    history = (HISTORY[0], "/bin/sh -c apt-get install -y curl")
    return MemoryImage(layers, history=history, name="oci:old:1")


def example_analysis(*, files: bool = False) -> Analysis:
    return analyze(example_image(), files=files)


def check_golden(name: str, text: str) -> None:
    """Assert ``text`` equals golden file ``name``; rewrite it first when asked to."""
    path = GOLDEN / name
    if os.environ.get("IMAGEKIT_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
