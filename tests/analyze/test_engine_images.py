"""End to end: images built on the docker engine, read through the engine and as archives."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from imagekit.analyze import analyze, diff
from imagekit.analyze.report import Analysis
from imagekit.oci.archive import open_archive
from imagekit.oci.engine import open_engine
from imagekit.oci.layout import open_layout
from tests.support.docker import build, run, save

APT = """\
FROM debian:bookworm-slim
RUN apt-get update
"""
BIG = 1_234_567
DELETE = f"""\
FROM busybox
RUN mkdir /data && head -c {BIG} /dev/urandom > /data/big && echo kept > /data/small
RUN rm /data/big
"""


def engine_analysis(engine: Any, tag: str, **kwargs: Any) -> Analysis:
    image = open_engine(tag, client=engine)
    try:
        return analyze(image, **kwargs)
    finally:
        image.close()


@pytest.fixture(scope="module")
def apt_image(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    tag = "imagekit-test/analyze-apt:1"
    build(engine, tmp_path_factory.mktemp("apt"), APT, tag)
    return tag


@pytest.fixture(scope="module")
def delete_image(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    tag = "imagekit-test/analyze-delete:1"
    build(engine, tmp_path_factory.mktemp("delete"), DELETE, tag)
    return tag


def test_apt_lists_left_shows_ik201_with_the_lists_bytes(engine: Any, apt_image: str) -> None:
    listing = run(
        engine,
        apt_image,
        ["find", "/var/lib/apt/lists", "-type", "f", "!", "-name", "lock", "-printf", "%s %p\\n"],
    )
    sizes = {line.split(" ", 1)[1]: int(line.split(" ", 1)[0]) for line in listing.splitlines()}
    assert sum(sizes.values()) > 1_000_000  # the package indexes really are there
    result = engine_analysis(engine, apt_image)
    (finding,) = [f for f in result.findings if f.rule == "IK201"]
    assert finding.layer == len(result.layers) - 1
    assert finding.bytes == sum(sizes.values())
    assert finding.count == len(sizes)
    assert set(finding.paths) <= set(sizes)
    assert result.layers[-1].created_by.endswith("apt-get update")
    # with the debian base excluded, the lists are still ours
    based = engine_analysis(engine, apt_image, base=1)
    assert [f.rule for f in based.findings] == ["IK201"]


def test_deleted_file_is_exactly_the_waste(engine: Any, delete_image: str) -> None:
    result = engine_analysis(engine, delete_image)
    assert result.wasted_bytes == BIG
    (copy,) = result.wasted
    assert (copy.path, copy.size, copy.layer, copy.hidden_by) == ("/data/big", BIG, 1, 2)
    layers = result.layers
    assert layers[1].wasted_bytes == BIG and layers[1].hidden_by == ((2, BIG),)
    assert layers[2].files_removed == 1 and layers[2].hides == ((1, BIG),)
    assert result.efficiency == pytest.approx(1 - BIG / result.content_bytes)
    assert "/data/big" not in result.files and result.files["/data/small"].size == 5
    assert result.total_size is None  # the engine saves uncompressed layers
    image = engine.images.get(delete_image)
    assert [layer.diff_id for layer in layers] == image.attrs["RootFS"]["Layers"]


def test_same_results_from_engine_archive_and_layout(
    engine: Any, delete_image: str, tmp_path: Path
) -> None:
    archive = save(engine, delete_image, tmp_path / "image.tar")
    with open_archive(archive) as image:
        from_archive = analyze(image, compute_compressed=True)
    layout = tmp_path / "layout"
    subprocess.run(
        ["skopeo", "--insecure-policy", "copy", f"docker-archive:{archive}", f"oci:{layout}:x"],
        check=True,
        capture_output=True,
    )
    layout_image = open_layout(layout, "x")
    try:
        from_layout = analyze(layout_image)
    finally:
        layout_image.close()
    from_engine = engine_analysis(engine, delete_image)
    for other in (from_archive, from_layout):
        assert [x.diff_id for x in other.layers] == [x.diff_id for x in from_engine.layers]
        assert other.total_uncompressed_size == from_engine.total_uncompressed_size
        assert other.wasted_bytes == from_engine.wasted_bytes == BIG
        assert other.findings == from_engine.findings
        assert other.files == from_engine.files
    assert from_layout.total_size is not None and from_layout.total_size < BIG * 2
    assert from_archive.total_size is not None  # computed by compressing as a push would
    assert all(layer.compressed_size_computed for layer in from_archive.layers)
    changes = diff(from_engine, from_layout)
    assert len(changes.shared) == len(from_engine.layers)
    assert not changes.added and not changes.removed and not changes.files_added
