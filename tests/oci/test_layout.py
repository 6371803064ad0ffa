"""oci: layouts: reading skopeo's, writing ours so that umoci and skopeo accept them."""

from __future__ import annotations

import gzip
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
from imagekit.oci.archive import open_archive
from imagekit.oci.layout import REF_NAME, open_layout, write_layout
from imagekit.oci.manifest import Platform
from imagekit.oci.validate import validate
from tests.oci.conftest import Sample, skopeo


def _tar_sizes(image: Any) -> list[tuple[str, int]]:
    out = []
    for layer in image.layers:
        digest, size = hashlib.sha256(), 0
        with layer.open() as stream:
            while chunk := stream.read(1 << 16):
                digest.update(chunk)
                size += len(chunk)
        out.append((f"sha256:{digest.hexdigest()}", size))
    return out


def test_a_layout_made_by_skopeo_is_read(sample: Sample) -> None:
    with open_layout(sample.skopeo_layout, "sample") as image:
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
        assert image.manifest.media_type == mediatype.OCI_MANIFEST
        assert image.digest is not None
        for layer in image.layers:
            assert layer.size == layer.descriptor.size
            assert layer.uncompressed_size is None
        assert [d for d, _ in _tar_sizes(image)] == sample.diff_ids
        assert validate(image) == []
    # the only image is found without its tag too
    with open_layout(sample.skopeo_layout) as image:
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids


def test_uncompressed_layers_are_written_gzipped_and_tools_accept_them(
    sample: Sample, tmp_path: Path
) -> None:
    layout = tmp_path / "layout"
    with open_archive(sample.archive) as source:
        entry = write_layout(source, layout, "v1")
        sizes = [layer.uncompressed_size for layer in source.layers]
    assert entry.annotations == ((REF_NAME, "v1"),)
    assert entry.platform == Platform("linux", "amd64")
    with open_layout(layout, "v1") as image:
        assert image.digest == entry.digest
        assert image.config.digest.hex == sample.image_id.removeprefix("sha256:")
        assert {layer.descriptor.media_type for layer in image.layers} == {mediatype.OCI_LAYER_GZIP}
        assert _tar_sizes(image) == list(zip(sample.diff_ids, sizes, strict=True))
        for layer in image.layers:
            with layer.open_blob() as blob:
                assert blob.read(10)[4:8] == b"\0\0\0\0"  # gzip mtime 0
        assert validate(image) == []
    listed = subprocess.run(
        ["umoci", "ls", "--layout", str(layout)], capture_output=True, text=True, check=True
    )
    assert listed.stdout.split() == ["v1"]
    inspected = json.loads(skopeo("inspect", f"oci:{layout}:v1"))
    assert inspected["Digest"] == str(entry.digest)
    assert len(inspected["Layers"]) == 4
    # and back: skopeo copies our layout into an archive, which we read
    back = tmp_path / "back.tar"
    skopeo("copy", f"oci:{layout}:v1", f"docker-archive:{back}:imagekit-test/back:1")
    with open_archive(back, "imagekit-test/back:1") as image:
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
        assert [layer.uncompressed_size for layer in image.layers] == sizes
        assert validate(image) == []


def test_writing_is_deterministic_and_tags_accumulate(sample: Sample, tmp_path: Path) -> None:
    with open_archive(sample.archive) as source:
        first = write_layout(source, tmp_path / "a", "v1")
        second = write_layout(source, tmp_path / "b", "v1")
        assert first == second
        # a second tag joins the index; writing a tag again replaces its entry
        write_layout(source, tmp_path / "a", "v2", compression="zstd")
        write_layout(source, tmp_path / "a", "v1")
    index = json.loads((tmp_path / "a" / "index.json").read_text())
    assert sorted(m["annotations"][REF_NAME] for m in index["manifests"]) == ["v1", "v2"]
    with pytest.raises(ImageError, match=r"several images.*v1, v2"):
        open_layout(tmp_path / "a")
    with pytest.raises(ImageError, match=r"no image tagged 'v3' \(tags: v1, v2\)"):
        open_layout(tmp_path / "a", "v3")


def test_a_zstd_layout_reads_back(sample: Sample, tmp_path: Path) -> None:
    with open_archive(sample.archive) as source:
        write_layout(source, tmp_path / "z", "zstd", compression="zstd")
        sizes = [layer.uncompressed_size for layer in source.layers]
    with open_layout(tmp_path / "z", "zstd") as image:
        assert {layer.descriptor.media_type for layer in image.layers} == {mediatype.OCI_LAYER_ZSTD}
        for layer in image.layers:
            with layer.open_blob() as blob:
                assert blob.read(4) == b"\x28\xb5\x2f\xfd"
        assert _tar_sizes(image) == list(zip(sample.diff_ids, sizes, strict=True))
        assert validate(image) == []
        # compressed blobs are copied as they are unless asked otherwise
        copied = write_layout(image, tmp_path / "copy", "zstd")
        regzipped = write_layout(image, tmp_path / "gz", "x", compression="gzip")
        uncompressed = write_layout(image, tmp_path / "raw", "x", compression="")
    with open_layout(tmp_path / "copy") as image:
        assert image.digest == copied.digest
        assert {layer.descriptor.media_type for layer in image.layers} == {mediatype.OCI_LAYER_ZSTD}
    with open_layout(tmp_path / "gz") as image:
        assert image.digest == regzipped.digest
        assert _tar_sizes(image) == list(zip(sample.diff_ids, sizes, strict=True))
    with open_layout(tmp_path / "raw") as image:
        assert image.digest == uncompressed.digest
        assert [layer.uncompressed_size for layer in image.layers] == sizes
        assert [layer.size for layer in image.layers] == [None] * len(sizes)
        assert validate(image) == []


def _blob(root: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = root / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _tiny_image(root: Path, arch: str) -> dict[str, Any]:
    """A one-layer image for ``arch`` in the layout at ``root``; its manifest descriptor."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo(f"arch-{arch}")
        tar.addfile(info, io.BytesIO())
    tar_bytes = out.getvalue()
    layer = _blob(root, gzip.compress(tar_bytes, mtime=0))
    config = _blob(
        root,
        json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "rootfs": {
                    "type": "layers",
                    "diff_ids": [f"sha256:{hashlib.sha256(tar_bytes).hexdigest()}"],
                },
            }
        ).encode(),
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": {"mediaType": mediatype.OCI_CONFIG, **config},
        "layers": [{"mediaType": mediatype.OCI_LAYER_GZIP, **layer}],
    }
    return {"mediaType": mediatype.OCI_MANIFEST, **_blob(root, json.dumps(manifest).encode())}


def _multi_platform(root: Path) -> None:
    amd64 = _tiny_image(root, "amd64")
    arm64 = _tiny_image(root, "arm64")
    attestation = dict(amd64, platform={"os": "unknown", "architecture": "unknown"})
    nested = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_INDEX,
        "manifests": [
            dict(amd64, platform={"os": "linux", "architecture": "amd64"}),
            dict(arm64, platform={"os": "linux", "architecture": "arm64", "variant": "v8"}),
            attestation,
        ],
    }
    entry = {"mediaType": mediatype.OCI_INDEX, **_blob(root, json.dumps(nested).encode())}
    entry["annotations"] = {REF_NAME: "multi"}
    index = {"schemaVersion": 2, "manifests": [entry]}
    (root / "index.json").write_text(json.dumps(index))
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')


@pytest.mark.parametrize("platform", ["linux/amd64", "linux/arm64", "linux/arm64/v8"])
def test_a_nested_multi_platform_index_is_read_by_platform(tmp_path: Path, platform: str) -> None:
    _multi_platform(tmp_path)
    with open_layout(tmp_path, "multi", platform=Platform.parse(platform)) as image:
        assert image.config.platform.architecture == platform.split("/")[1]
        assert validate(image) == []
        with image.layers[0].open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            assert [m.name for m in tar] == [f"arch-{platform.split('/')[1]}"]


def test_a_multi_platform_index_needs_a_platform(tmp_path: Path) -> None:
    _multi_platform(tmp_path)
    # two images: the attestation is not counted
    with pytest.raises(ImageError, match=r"holds 2 images \(linux/amd64, linux/arm64/v8\)"):
        open_layout(tmp_path, "multi")
    with pytest.raises(ImageError, match="no image for linux/s390x"):
        open_layout(tmp_path, "multi", platform=Platform("linux", "s390x"))
    # skopeo reads the same layout the same way
    inspected = json.loads(skopeo("--override-arch", "arm64", "inspect", f"oci:{tmp_path}:multi"))
    assert inspected["Architecture"] == "arm64"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("no-oci-layout", "oci-layout is missing"),
        ("version", "unsupported imageLayoutVersion '2.0.0'"),
        ("index-json", "index.json: not valid JSON"),
        ("manifest-blob", "hashes to"),
        ("missing-manifest", "is missing"),
        ("config-json", "config: not valid JSON"),
    ],
)
def test_broken_layouts_are_image_errors(tmp_path: Path, breakage: str, message: str) -> None:
    _multi_platform(tmp_path)
    index = json.loads((tmp_path / "index.json").read_text())
    nested_digest = index["manifests"][0]["digest"].split(":")[1]
    nested_path = tmp_path / "blobs" / "sha256" / nested_digest
    nested = json.loads(nested_path.read_text())
    amd64 = tmp_path / "blobs" / "sha256" / nested["manifests"][0]["digest"].split(":")[1]
    if breakage == "no-oci-layout":
        (tmp_path / "oci-layout").unlink()
    elif breakage == "version":
        (tmp_path / "oci-layout").write_text('{"imageLayoutVersion": "2.0.0"}')
    elif breakage == "index-json":
        (tmp_path / "index.json").write_text("{")
    elif breakage == "manifest-blob":
        amd64.write_bytes(amd64.read_bytes().replace(b"schemaVersion", b"schemaversion"))
    elif breakage == "missing-manifest":
        amd64.unlink()
    elif breakage == "config-json":
        manifest = json.loads(amd64.read_text())
        config = _blob(tmp_path, b"{not json")
        manifest["config"].update(config)
        new = _blob(tmp_path, json.dumps(manifest).encode())
        nested["manifests"][0].update(new)
        entry = _blob(tmp_path, json.dumps(nested).encode())
        index["manifests"][0].update(entry)
        (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(ImageError, match=message):
        open_layout(tmp_path, "multi", platform=Platform("linux", "amd64"))


def test_a_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such directory"):
        open_layout(tmp_path / "nowhere")
