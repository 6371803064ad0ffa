"""Image assembly and the outputs: OCI layouts (images and indexes), docker archives, the
engine; read back by imagekit's own sources and by skopeo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from imagekit.build.assemble import (
    BuiltImage,
    BuiltIndex,
    RunConfig,
    assemble,
    created_at,
    history_entry,
    merge_env,
)
from imagekit.build.blobs import BlobStore
from imagekit.build.layer import file
from imagekit.build.outputs import parse_output, write_output
from imagekit.build.roots import RootRequest, build_root
from imagekit.errors import BuildError, UsageError
from imagekit.oci.archive import open_archive
from imagekit.oci.layout import open_layout
from imagekit.oci.manifest import Platform
from imagekit.oci.validate import validate

ARM64 = Platform("linux", "arm64")


def busybox(tmp_path: Path, epoch: int | None = None) -> BuiltImage:
    return build_root(RootRequest("busybox", epoch=epoch), BlobStore(tmp_path / "store"))


def tiny(tmp_path: Path, platform: Platform, text: bytes = b"hi") -> BuiltImage:
    store = BlobStore(tmp_path / "tiny")
    layer = store.add_layer([file("hello.txt", text)])
    created = created_at(0)
    return assemble(
        "tiny",
        platform,
        [layer],
        [history_entry("test", created)],
        RunConfig(cmd=("/hello",)),
        created=created,
        annotations={"org.opencontainers.image.title": "tiny"},
    )


def test_the_config_says_when_and_how_and_nothing_of_the_host(tmp_path: Path) -> None:
    image = busybox(tmp_path, epoch=1700000000)
    config = json.loads(image.config.raw)
    assert config["created"] == "2023-11-14T22:13:20Z"
    assert config["history"] == [
        {
            "created": "2023-11-14T22:13:20Z",
            "created_by": "imagekit build root busybox",
            "comment": config["history"][0]["comment"],
        }
    ]
    assert config["history"][0]["comment"].startswith("BusyBox ")
    assert config["config"]["Cmd"] == ["sh"]
    assert config["config"]["Env"][0].startswith("PATH=")
    assert config["rootfs"] == {"type": "layers", "diff_ids": [str(image.layers[0].diff_id)]}
    assert str(tmp_path) not in image.config.raw.decode()
    manifest = json.loads(image.manifest.raw)
    assert manifest["annotations"] == {"org.opencontainers.image.created": "2023-11-14T22:13:20Z"}
    assert manifest["config"]["digest"] == str(image.config.digest)


def test_the_same_inputs_give_the_same_digest_and_another_epoch_another(tmp_path: Path) -> None:
    one = busybox(tmp_path / "one")
    two = busybox(tmp_path / "two")
    later = busybox(tmp_path / "three", epoch=86400)
    assert one.digest == two.digest
    assert one.manifest.raw == two.manifest.raw
    assert later.digest != one.digest
    assert json.loads(one.config.raw)["created"] == "1970-01-01T00:00:00Z"


def test_an_oci_layout_keeps_the_manifest_byte_for_byte(tmp_path: Path) -> None:
    image = busybox(tmp_path)
    layout = tmp_path / "layout"
    written = write_output(image, parse_output(f"oci:{layout}:v1"))
    assert written.digest == image.digest
    read = open_layout(layout, "v1")
    assert read.digest == image.digest
    assert read.manifest.raw == image.manifest.raw
    assert read.config.raw == image.config.raw
    assert validate(read) == []
    raw = subprocess.run(
        ["skopeo", "inspect", "--raw", f"oci:{layout}:v1"],
        capture_output=True,
        check=True,
    ).stdout
    assert raw == image.manifest.raw


def test_a_layout_keeps_other_tags_and_replaces_its_own(tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    first = tiny(tmp_path / "a", Platform("linux", "amd64"), b"one")
    second = tiny(tmp_path / "b", Platform("linux", "amd64"), b"two")
    write_output(first, parse_output(f"oci:{layout}:a"))
    write_output(first, parse_output(f"oci:{layout}:b"))
    write_output(second, parse_output(f"oci:{layout}:b"))
    index = json.loads((layout / "index.json").read_text())
    tags = {
        d["annotations"]["org.opencontainers.image.ref.name"]: d["digest"]
        for d in index["manifests"]
    }
    assert tags == {"a": str(first.digest), "b": str(second.digest)}


def test_a_directory_that_is_no_layout_is_not_written_into(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BuildError, match="not an OCI layout"):
        write_output(tiny(tmp_path / "s", ARM64), parse_output(f"oci:{tmp_path}"))


def test_an_index_is_stored_whole_and_each_platform_can_be_read(tmp_path: Path) -> None:
    amd64 = busybox(tmp_path)
    arm64 = tiny(tmp_path, ARM64)
    index = BuiltIndex.of("both", [amd64, arm64], {"org.opencontainers.image.title": "both"})
    layout = tmp_path / "layout"
    written = write_output(index, parse_output(f"oci:{layout}:multi"))
    assert written.digest == index.digest
    top = json.loads((layout / "index.json").read_text())["manifests"]
    assert [d["mediaType"] for d in top] == ["application/vnd.oci.image.index.v1+json"]
    assert open_layout(layout, "multi", platform=ARM64).digest == arm64.digest
    assert open_layout(layout, "multi", platform=amd64.platform).digest == amd64.digest
    stored = json.loads((layout / "blobs" / "sha256" / index.digest.hex).read_bytes())
    assert [m["platform"]["architecture"] for m in stored["manifests"]] == ["amd64", "arm64"]
    assert index.size == amd64.size + arm64.size
    with pytest.raises(UsageError, match="one platform"):
        write_output(index, parse_output(f"docker-archive:{tmp_path / 'x.tar'}"))


def test_a_docker_archive_reads_back_with_its_tag(tmp_path: Path) -> None:
    image = busybox(tmp_path)
    path = tmp_path / "busybox.tar"
    write_output(image, parse_output(f"docker-archive:{path}:example/busybox:1"))
    read = open_archive(path, "example/busybox:1")
    assert read.config.raw == image.config.raw
    assert read.config.diff_ids == image.config.diff_ids


@pytest.mark.parametrize(
    "text",
    [
        "docker://localhost:5000/x:1",
        "busybox:latest",
        "oci:",
        "docker-archive:x.tar:@0",
        "dir:/tmp",
    ],
)
def test_outputs_that_cannot_be_written_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_output(text)


def test_env_updates_replace_in_place_and_append() -> None:
    assert merge_env(["PATH=/bin", "A=1"], ["A=2", "B=3"]) == ("PATH=/bin", "A=2", "B=3")


def test_the_engine_loads_the_image_with_the_config_as_its_id(
    engine: Any, engine_tags: Any, tmp_path: Path
) -> None:
    image = busybox(tmp_path)
    tag = engine_tags.name("imagekit-test/build-busybox:loaded")
    written = write_output(image, parse_output(f"docker-daemon:{tag}"), docker_client=engine)
    assert written.image_id == str(image.config.digest)
    assert engine.images.get(tag).id == written.image_id
    output = engine.containers.run(tag, ["sh", "-c", "echo ok"], remove=True, network_mode="host")
    assert output == b"ok\n"
