"""The local base images exist in the test engine and Dockerfiles build on them."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

from imagekit.build.busybox import busybox_entries, inspect_busybox
from imagekit.build.layer import write_layer
from tests.support.docker import BUSYBOX_BINARY, DEBIAN_TAG, build, busybox_tags, run


def test_busybox_images_are_tagged_with_the_binary_version(engine: Any) -> None:
    version = inspect_busybox(BUSYBOX_BINARY).version
    tags = busybox_tags(version)
    assert f"busybox:{version}" in tags
    ids = {engine.images.get(tag).id for tag in tags}
    assert len(ids) == 1, f"{tags} should name one image"
    image = engine.images.get("busybox:latest")
    assert image.attrs["Config"]["Cmd"] == ["sh"]
    assert len(image.attrs["RootFS"]["Layers"]) == 1


def test_busybox_image_runs_its_applets(engine: Any) -> None:
    out = run(engine, "busybox:latest", ["sh", "-c", "ls /bin/busybox && id -un && echo ok"])
    assert out.split() == ["/bin/busybox", "root", "ok"]


def test_debian_image_is_a_bookworm_root(engine: Any) -> None:
    image = engine.images.get(DEBIAN_TAG)
    assert image.attrs["Config"]["Cmd"] == ["bash"]
    release = run(engine, DEBIAN_TAG, ["cat", "/etc/os-release"])
    assert "VERSION_CODENAME=bookworm" in release.splitlines()
    # merged /usr, as in Debian's own images
    assert run(engine, DEBIAN_TAG, ["readlink", "/bin"]).strip() == "usr/bin"


def test_a_dockerfile_builds_on_busybox(engine: Any, tmp_path: Path) -> None:
    dockerfile = 'FROM busybox\nRUN echo built > /built\nCMD ["cat", "/built"]\n'
    image = build(engine, tmp_path, dockerfile, "imagekit-test/busybox-echo:1")
    assert run(engine, image, ["cat", "/built"]) == "built\n"
    base_layers = engine.images.get("busybox:latest").attrs["RootFS"]["Layers"]
    assert image.attrs["RootFS"]["Layers"][: len(base_layers)] == base_layers


def test_a_dockerfile_installs_debian_packages_on_bookworm_slim(
    engine: Any, tmp_path: Path
) -> None:
    base = engine.images.get(DEBIAN_TAG)
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    probe = ["sh", "-c", f"test -e {bundle} && echo present || echo absent"]
    assert run(engine, base, probe) == "absent\n"
    dockerfile = (
        f"FROM {DEBIAN_TAG}\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates"
        " && rm -rf /var/lib/apt/lists/*\n"
    )
    image = build(engine, tmp_path, dockerfile, "imagekit-test/debian-ca:1")
    assert run(engine, image, probe) == "present\n"
    assert run(engine, image, ["sh", "-c", "ls /var/lib/apt/lists | grep -c _ || true"]) == "0\n"
    # as in Debian's published images, apt deletes the packages it downloaded
    debs = ["sh", "-c", "ls /var/cache/apt/archives | grep -c '[.]deb$' || true"]
    assert run(engine, image, debs) == "0\n"
    assert image.attrs["Size"] > base.attrs["Size"]


def test_the_busybox_layer_is_deterministic() -> None:
    busybox = inspect_busybox(BUSYBOX_BINARY)
    entries = busybox_entries(b"binary", busybox.applets, links="symlink")

    def layer(items: list[Any]) -> bytes:
        out = io.BytesIO()
        write_layer(items, out)
        return out.getvalue()

    first = layer(entries)
    assert first == layer(list(reversed(entries)))
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = tar.getmembers()
    names = [member.name for member in members]
    assert names == sorted(names)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}
    links = {m.name: m.linkname for m in members if m.issym()}
    assert links["bin/sh"] == "/bin/busybox"
    assert len(links) == len(set(busybox.applets) - {"bin/busybox"})
