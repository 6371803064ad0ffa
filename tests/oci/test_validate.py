"""validate(): digests, sizes and diff IDs agree, or each disagreement is reported."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ImageError
from imagekit.oci.archive import open_archive
from imagekit.oci.layout import open_layout, write_layout
from imagekit.oci.validate import validate
from tests.oci.conftest import Sample


@pytest.fixture(scope="module")
def good_layout(sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("good-layout")
    with open_archive(sample.archive) as image:
        write_layout(image, root, "good")
    return root


@pytest.fixture
def layout(good_layout: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "layout"
    shutil.copytree(good_layout, copy)
    return copy


def _blob_path(root: Path, digest: str) -> Path:
    return root / "blobs" / "sha256" / digest.split(":")[1]


def _put(root: Path, data: bytes) -> tuple[str, int]:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return f"sha256:{digest}", len(data)


def _manifest(root: Path) -> dict[str, Any]:
    index = json.loads((root / "index.json").read_text())
    manifest: dict[str, Any] = json.loads(
        _blob_path(root, index["manifests"][0]["digest"]).read_text()
    )
    return manifest


def _rewrite(
    root: Path,
    manifest_change: Callable[[dict[str, Any]], None] = lambda m: None,
    config_change: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Change the manifest (and config) and store them as a consistent layout again."""
    manifest = _manifest(root)
    if config_change is not None:
        config = json.loads(_blob_path(root, manifest["config"]["digest"]).read_text())
        config_change(config)
        digest, size = _put(root, json.dumps(config).encode())
        manifest["config"].update(digest=digest, size=size)
    manifest_change(manifest)
    digest, size = _put(root, json.dumps(manifest).encode())
    index = json.loads((root / "index.json").read_text())
    index["manifests"][0].update(digest=digest, size=size)
    (root / "index.json").write_text(json.dumps(index))


def _problems(root: Path) -> list[str]:
    with open_layout(root, "good") as image:
        return validate(image)


def test_sound_images_have_no_problems(sample: Sample, good_layout: Path) -> None:
    assert _problems(good_layout) == []
    with open_archive(sample.archive) as image:
        assert validate(image) == []


def test_a_flipped_byte_in_a_layer_blob(layout: Path) -> None:
    blob = _blob_path(layout, _manifest(layout)["layers"][1]["digest"])
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    problems = _problems(layout)
    assert problems
    assert all("layer 1" in p for p in problems)
    assert any("the blob hashes to" in p for p in problems)
    # either the gzip check sum or the diff ID catches the changed content
    assert any("corrupt gzip" in p or "not its diff_id" in p for p in problems)


def test_a_wrong_size_in_the_manifest(layout: Path) -> None:
    def grow(manifest: dict[str, Any]) -> None:
        manifest["layers"][2]["size"] += 1

    _rewrite(layout, grow)
    problems = _problems(layout)
    assert len(problems) == 2
    assert "layer 2" in problems[0] and "bytes, not" in problems[0]
    assert "size" in problems[1] and "is not the blob's" in problems[1]


def test_a_wrong_diff_id_in_the_config(layout: Path) -> None:
    wrong = "sha256:" + "1" * 64

    def change(config: dict[str, Any]) -> None:
        config["rootfs"]["diff_ids"][3] = wrong

    _rewrite(layout, config_change=change)
    (problem,) = _problems(layout)
    assert "layer 3" in problem
    assert f"not its diff_id {wrong}" in problem


def test_a_truncated_gzip_layer(layout: Path) -> None:
    manifest = _manifest(layout)
    data = _blob_path(layout, manifest["layers"][0]["digest"]).read_bytes()
    digest, size = _put(layout, data[: len(data) // 2])

    def cut(manifest: dict[str, Any]) -> None:
        manifest["layers"][0].update(digest=digest, size=size)

    _rewrite(layout, cut)
    (problem,) = _problems(layout)
    assert problem.endswith("truncated gzip stream")
    assert "layer 0" in problem


def test_a_missing_blob_is_a_problem_and_the_rest_is_checked(layout: Path) -> None:
    _blob_path(layout, _manifest(layout)["layers"][0]["digest"]).unlink()
    (problem,) = _problems(layout)
    assert "layer 0" in problem and "is missing" in problem


def test_an_unknown_layer_media_type(layout: Path) -> None:
    def retype(manifest: dict[str, Any]) -> None:
        manifest["layers"][1]["mediaType"] = "application/example+tar"

    _rewrite(layout, retype)
    with pytest.raises(ImageError, match="unsupported media type application/example"):
        open_layout(layout, "good")


def test_bad_json_in_the_config(layout: Path) -> None:
    manifest = _manifest(layout)
    digest, size = _put(layout, b'{"rootfs": ')

    def swap(manifest: dict[str, Any]) -> None:
        manifest["config"].update(digest=digest, size=size)

    _rewrite(layout, swap)
    with pytest.raises(ImageError, match="config: not valid JSON"):
        open_layout(layout, "good")
    assert manifest  # the original manifest was readable


def test_more_layers_than_diff_ids(layout: Path) -> None:
    def extra(manifest: dict[str, Any]) -> None:
        manifest["layers"].append(manifest["layers"][0])

    _rewrite(layout, extra)
    with pytest.raises(ImageError, match="lists 5 layers, the config 4 diff_ids"):
        open_layout(layout, "good")
