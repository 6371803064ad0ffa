"""docker-archive: reading what the engine saves, writing what docker load and skopeo read."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ImageError, InputError
from imagekit.oci import mediatype
from imagekit.oci.archive import normal_reference, open_archive
from imagekit.oci.archive_write import write_archive
from imagekit.oci.validate import validate
from tests.oci.conftest import Sample, skopeo
from tests.support.docker import save


def _tar_digest_and_size(layer: Any) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with layer.open() as stream:
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
            size += len(chunk)
    return f"sha256:{digest.hexdigest()}", size


def test_the_engines_save_is_read_layer_by_layer(sample: Sample) -> None:
    with open_archive(sample.archive) as image:
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
        assert image.config.digest.hex == sample.image_id.removeprefix("sha256:")
        assert image.digest is None
        assert len(image.layers) == 4
        for layer, diff_id in zip(image.layers, sample.diff_ids, strict=True):
            # legacy save: uncompressed layers, digest = diff ID, no compressed size
            assert layer.size is None
            assert str(layer.diff_id) == diff_id
            assert layer.descriptor.digest == layer.diff_id
            assert layer.descriptor.media_type == mediatype.DOCKER_LAYER_TAR
            assert layer.descriptor.size == layer.uncompressed_size
            assert _tar_digest_and_size(layer) == (diff_id, layer.uncompressed_size)
        manifest = image.manifest
        assert manifest.media_type == mediatype.DOCKER_MANIFEST
        assert manifest.config.digest == image.config.digest
        assert validate(image) == []


def test_layer_tars_hold_the_whiteout_and_the_symlink(sample: Sample) -> None:
    with open_archive(sample.archive) as image:
        with image.layers[2].open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            names = [m.name for m in tar]
        assert "data/.wh.big" in names
        with image.layers[3].open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            links = {m.name: m.linkname for m in tar if m.issym()}
        assert links == {"data/link": "small"}


def test_an_archive_of_several_images_is_read_by_tag_or_index(
    engine: Any, sample: Sample, tmp_path: Path
) -> None:
    path = tmp_path / "two.tar"
    # the SDK saves one name at a time; the CLI saves several into one archive
    subprocess.run(["docker", "save", "-o", str(path), sample.tag, "busybox:latest"], check=True)
    base = engine.images.get("busybox:latest").attrs["RootFS"]["Layers"]
    with open_archive(path, "busybox") as image:
        assert [str(d) for d in image.config.diff_ids] == base
        # the engine stores a layer shared by two images once, the second as a symlink
        assert _tar_digest_and_size(image.layers[0])[0] == base[0]
    with open_archive(path, f"docker.io/{sample.tag}") as image:
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
    with tarfile.open(path) as tar:
        entries = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    for index, entry in enumerate(entries):
        with open_archive(path, f"@{index}") as image:
            assert image.config.digest.hex == entry["Config"].removesuffix(".json")
    with pytest.raises(ImageError, match=r"holds 2 images.*busybox:latest"):
        open_archive(path)
    with pytest.raises(ImageError, match="no image tagged nothere:1"):
        open_archive(path, "nothere:1")
    with pytest.raises(ImageError, match="no @2"):
        open_archive(path, "@2")


def test_written_archives_are_deterministic_and_load_in_docker(
    engine: Any, sample: Sample, tmp_path: Path
) -> None:
    with open_archive(sample.archive) as image:
        first = write_archive(image, tmp_path / "a.tar", ["imagekit-test/oci-written:1"])
        second = write_archive(image, tmp_path / "b.tar", ["imagekit-test/oci-written:1"])
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        assert {m.mtime for m in tar} == {0}
        assert {(m.uid, m.gid) for m in tar} == {(0, 0)}
    with open_archive(first, "imagekit-test/oci-written:1") as image:
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
        assert validate(image) == []
    inspected = json.loads(skopeo("inspect", f"docker-archive:{first}"))
    assert inspected["Layers"] == sample.diff_ids
    with open(first, "rb") as data:
        loaded = engine.images.load(data.read())
    assert [image.id for image in loaded] == [sample.image_id]
    assert engine.images.get("imagekit-test/oci-written:1").id == sample.image_id


def test_a_layer_that_does_not_match_its_diff_id_is_not_written(
    sample: Sample, tmp_path: Path
) -> None:
    broken = _with_flipped_layer_byte(sample.archive, tmp_path / "broken.tar")
    with open_archive(broken) as image, pytest.raises(ImageError, match="not its diff_id"):
        write_archive(image, tmp_path / "out.tar")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.tar"]


def _with_flipped_layer_byte(source: Path, target: Path) -> Path:
    """A copy of ``source`` with one byte of the last layer's content changed."""
    data = bytearray(source.read_bytes())
    with tarfile.open(source) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        member = tar.getmember(manifest[0]["Layers"][-1])
    offset = member.offset_data + member.size - 1030  # inside the file content, not padding
    data[offset] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def test_a_corrupt_layer_in_an_archive_is_reported(sample: Sample, tmp_path: Path) -> None:
    broken = _with_flipped_layer_byte(sample.archive, tmp_path / "broken.tar")
    with open_archive(broken) as image:
        problems = validate(image)
    assert len(problems) == 2
    assert all("layer 3" in p for p in problems)
    assert any("not its diff_id" in p for p in problems)


def _archive(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _layer_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo("hello")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()


def _config(diff_ids: list[str]) -> bytes:
    return json.dumps(
        {"os": "linux", "architecture": "amd64", "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    ).encode()


def test_newer_save_layout_with_blob_paths_and_gzip_layers(tmp_path: Path) -> None:
    import gzip

    layer = _layer_tar()
    blob = gzip.compress(layer, mtime=0)
    blob_hex = hashlib.sha256(blob).hexdigest()
    config = _config([f"sha256:{hashlib.sha256(layer).hexdigest()}"])
    config_hex = hashlib.sha256(config).hexdigest()
    manifest = [
        {
            "Config": f"blobs/sha256/{config_hex}",
            "RepoTags": ["app:1"],
            "Layers": [f"blobs/sha256/{blob_hex}"],
        }
    ]
    path = _archive(
        tmp_path / "new.tar",
        {
            "oci-layout": b'{"imageLayoutVersion":"1.0.0"}',
            f"blobs/sha256/{blob_hex}": blob,
            f"blobs/sha256/{config_hex}": config,
            "manifest.json": json.dumps(manifest).encode(),
        },
    )
    with open_archive(path, "app:1") as image:
        (only,) = image.layers
        assert only.size == len(blob)
        assert only.uncompressed_size is None
        assert only.descriptor.digest.hex == blob_hex
        assert only.descriptor.media_type == mediatype.DOCKER_LAYER_GZIP
        assert only.open().read() == layer
        assert validate(image) == []


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"other": b"x"}, "no manifest.json"),
        ({"manifest.json": b"[{"}, "manifest.json is not valid JSON"),
        ({"manifest.json": b"{}"}, "must be a list of objects"),
        ({"manifest.json": b"[]"}, "lists no images"),
        ({"manifest.json": b'[{"Config": "c.json", "Layers": []}]'}, "config c.json is missing"),
        (
            {"manifest.json": b'[{"Config": "c.json", "Layers": ["l.tar"]}]', "c.json": b"{"},
            "config: not valid JSON",
        ),
        (
            {
                "manifest.json": b'[{"Config": "c.json", "Layers": ["l.tar"]}]',
                "c.json": _config([]),
            },
            "lists 1 layers, the config 0 diff_ids",
        ),
        (
            {
                "manifest.json": b'[{"Config": "c.json", "Layers": ["l.tar"]}]',
                "c.json": _config(["sha256:" + "0" * 64]),
            },
            "layer 0 l.tar is missing",
        ),
    ],
)
def test_malformed_archives_are_image_errors(
    tmp_path: Path, files: dict[str, bytes], message: str
) -> None:
    path = _archive(tmp_path / "bad.tar", files)
    with pytest.raises(ImageError, match=message):
        open_archive(path)


def test_unreadable_inputs(tmp_path: Path, sample: Sample) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_archive(tmp_path / "missing.tar")
    (tmp_path / "junk.tar").write_bytes(b"\x01" * 1000)
    with pytest.raises(ImageError, match="not a readable tar archive"):
        open_archive(tmp_path / "junk.tar")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(sample.archive.read_bytes()[:200_000])
    with pytest.raises(ImageError, match=r"truncated|not a readable tar|no manifest\.json"):
        open_archive(cut)


@pytest.mark.parametrize(
    ("reference", "normal"),
    [
        ("busybox", "busybox:latest"),
        ("docker.io/library/busybox:1", "busybox:1"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("team/app:2", "team/app:2"),
    ],
)
def test_references_are_matched_in_normal_form(reference: str, normal: str) -> None:
    assert normal_reference(reference) == normal


def test_save_helper_streams_the_engine_archive(engine: Any, tmp_path: Path) -> None:
    path = save(engine, "busybox:latest", tmp_path / "bb.tar")
    with open_archive(path) as image:
        assert [str(d) for d in image.config.diff_ids] == engine.images.get("busybox:latest").attrs[
            "RootFS"
        ]["Layers"]


def test_a_layer_listed_twice_is_stored_once(tmp_path: Path) -> None:
    layer = _layer_tar()
    diff_id = f"sha256:{hashlib.sha256(layer).hexdigest()}"
    config = _config([diff_id, diff_id])
    manifest = [{"Config": "c.json", "RepoTags": ["app:1"], "Layers": ["l/layer.tar"] * 2}]
    source = _archive(
        tmp_path / "in.tar",
        {"manifest.json": json.dumps(manifest).encode(), "c.json": config, "l/layer.tar": layer},
    )
    with open_archive(source) as image:
        written = write_archive(image, tmp_path / "out.tar", ["app:2"])
    with tarfile.open(written) as tar:
        names = tar.getnames()
    assert names.count(f"{diff_id.split(':')[1]}/layer.tar") == 1
    with open_archive(written, "app:2") as image:
        assert [str(layer.diff_id) for layer in image.layers] == [diff_id, diff_id]
        assert validate(image) == []
    inspected = json.loads(skopeo("inspect", f"docker-archive:{written}"))
    assert inspected["Layers"] == [diff_id, diff_id]
