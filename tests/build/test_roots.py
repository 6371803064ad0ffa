"""The roots: they start in the engine, their entries are owned, timed and moded as
specified, their sizes are within the targets, and two builds give one digest."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

from imagekit.build.assemble import BuiltImage
from imagekit.build.blobs import BlobStore
from imagekit.build.outputs import load_into_engine
from imagekit.build.roots import RootRequest, build_root
from tests.build.conftest import EPOCH, Root

BUSYBOX_BINARY = Path("/bin/busybox")


def members(image: BuiltImage) -> dict[str, tarfile.TarInfo]:
    (layer,) = image.layers
    with layer.open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
        return {member.name.rstrip("/"): member for member in tar}


def run(engine: Any, tag: str, command: list[str], **options: Any) -> str:
    output = engine.containers.run(tag, command, remove=True, network_mode="host", **options)
    assert isinstance(output, bytes)
    return output.decode()


def test_busybox_starts_and_has_its_accounts(engine: Any, engine_tags: Any, tmp_path: Path) -> None:
    image = build_root(RootRequest("busybox", epoch=EPOCH), BlobStore(tmp_path))
    tag = engine_tags.name("imagekit-test/root-busybox:1")
    load_into_engine(image, tag, client=engine)
    assert run(engine, tag, ["sh", "-c", "echo ok"]) == "ok\n"
    assert run(engine, tag, ["id", "nonroot"]).startswith("uid=65532(nonroot) gid=65532(nonroot)")
    assert run(engine, tag, ["stat", "-c", "%a", "/tmp"]) == "1777\n"


def test_busybox_entries_are_root_owned_at_the_epoch_and_applets_are_hard_links(
    tmp_path: Path,
) -> None:
    image = build_root(RootRequest("busybox", epoch=EPOCH), BlobStore(tmp_path))
    found = members(image)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in found.values()} == {
        (EPOCH, 0, 0, "", "")
    }
    assert found["tmp"].mode == 0o1777 and found["root"].mode == 0o700
    files = [m for m in found.values() if m.isreg() and m.size > 1_000_000]
    assert len(files) == 1, "the binary is written once"
    links = [m for m in found.values() if m.islnk()]
    assert len(links) > 100 and {m.linkname for m in links} == {files[0].name}
    assert found["bin/sh"].islnk() or found["bin/sh"].isreg()
    assert image.uncompressed_size < BUSYBOX_BINARY.stat().st_size + 250_000


def test_two_busybox_builds_give_one_digest(tmp_path: Path) -> None:
    one = build_root(RootRequest("busybox", epoch=EPOCH), BlobStore(tmp_path / "1"))
    two = build_root(RootRequest("busybox", epoch=EPOCH), BlobStore(tmp_path / "2"))
    assert one.digest == two.digest


def test_debian_has_apt_and_a_ca_bundle_within_80_mb(
    engine: Any, engine_tags: Any, debian_root: Root
) -> None:
    image = debian_root.image
    assert image.uncompressed_size <= 80_000_000, image.uncompressed_size
    tag = engine_tags.name("imagekit-test/root-debian:1")
    load_into_engine(image, tag, client=engine)
    assert run(engine, tag, ["apt-get", "--version"]).startswith("apt ")
    probe = "test -s /etc/ssl/certs/ca-certificates.crt && readlink /bin && ls /var/lib/apt/lists"
    assert run(engine, tag, ["sh", "-c", probe]).split() == ["usr/bin", "lock", "partial"]
    assert engine.images.get(tag).attrs["Config"]["Cmd"] == ["bash"]


def test_debian_entries_keep_owners_and_take_the_epoch(debian_root: Root) -> None:
    found = members(debian_root.image)
    assert {m.mtime for m in found.values()} == {EPOCH}
    assert found["etc/shadow"].gid == 42  # group shadow, as dpkg made it
    assert found["tmp"].mode == 0o1777
    assert not [name for name in found if name.endswith("-old") or name.endswith(".log")]
    assert not [name for name in found if name.startswith("usr/share/man/")]
    assert not [n for n in found if n.startswith("var/lib/apt/lists/") and n.endswith("_Packages")]


def test_debian_builds_twice_to_one_digest(debian_root: Root, tmp_path: Path) -> None:
    again = build_root(RootRequest("debian", epoch=EPOCH), BlobStore(tmp_path))
    assert again.digest == debian_root.image.digest


def test_runtime_runs_a_static_binary_and_has_no_package_manager(
    engine: Any, engine_tags: Any, runtime_root: Root
) -> None:
    image = runtime_root.image
    assert image.uncompressed_size <= 25_000_000, image.uncompressed_size
    tag = engine_tags.name("imagekit-test/root-runtime:1")
    load_into_engine(image, tag, client=engine)
    mount = {str(BUSYBOX_BINARY): {"bind": "/probe/busybox", "mode": "ro"}}
    script = (
        "echo ok; /probe/busybox grep -c BEGIN /etc/ssl/certs/ca-certificates.crt;"
        " /probe/busybox readlink /etc/localtime; /probe/busybox grep nonroot /etc/passwd"
    )
    output = run(engine, tag, ["/probe/busybox", "sh", "-c", script], volumes=mount).split()
    assert output[0] == "ok"
    assert int(output[1]) > 100
    assert output[2] == "/usr/share/zoneinfo/Etc/UTC"
    assert output[3].startswith("nonroot:x:65532:65532:")
    config = engine.images.get(tag).attrs["Config"]
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in config["Env"]


def test_runtime_entries_are_what_distroless_carries(runtime_root: Root) -> None:
    found = members(runtime_root.image)
    names = set(found)
    for present in (
        "usr/lib/x86_64-linux-gnu/libc.so.6",
        "usr/share/zoneinfo/Europe/Paris",
        "etc/services",
        "etc/os-release",
        "etc/ssl/certs/ca-certificates.crt",
    ):
        assert present in names, present
    for absent in ("usr/bin/dpkg", "usr/bin/apt", "usr/bin/sh", "bin/sh", "var/lib/dpkg/status"):
        assert absent not in names, absent
    assert found["lib"].issym() and found["lib"].linkname == "usr/lib"
    assert found["home/nonroot"].uid == 65532 and found["home/nonroot"].mode == 0o700
    assert {m.mtime for m in found.values()} == {EPOCH}


def test_the_runtime_bundle_is_what_update_ca_certificates_makes(
    runtime_root: Root, debian_root: Root
) -> None:
    """The Debian root's bundle was made by update-ca-certificates inside mmdebstrap; the
    runtime root's by imagekit from the same package's certificates."""
    bundles = []
    for image in (runtime_root.image, debian_root.image):
        (layer,) = image.layers
        with layer.open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.name == "etc/ssl/certs/ca-certificates.crt":
                    data = tar.extractfile(member)
                    assert data is not None
                    bundles.append(data.read())
    assert len(bundles) == 2 and bundles[0] == bundles[1]


def test_runtime_builds_twice_to_one_digest(runtime_root: Root, tmp_path: Path) -> None:
    again = build_root(RootRequest("runtime", epoch=EPOCH), BlobStore(tmp_path))
    assert again.digest == runtime_root.image.digest
