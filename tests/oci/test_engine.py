"""docker-daemon: images read from the engine, and the same image in every medium."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ImageError, InputError
from imagekit.oci.engine import open_engine, save_reference
from imagekit.oci.layout import write_layout
from imagekit.oci.transport import open_image
from imagekit.oci.validate import validate
from tests.oci.conftest import Sample


def test_an_engine_image_is_spooled_and_cleaned_up(
    engine: Any, sample: Sample, tmp_path: Path
) -> None:
    image = open_engine(sample.tag, client=engine, temp_dir=str(tmp_path))
    try:
        assert image.name == f"docker-daemon:{sample.tag}"
        assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
        assert image.config.digest.hex == sample.image_id.removeprefix("sha256:")
        assert [layer.size for layer in image.layers] == [None] * 4
        (spool,) = tmp_path.iterdir()
        assert spool.name.startswith("imagekit-engine-")
        assert validate(image) == []
    finally:
        image.close()
    assert list(tmp_path.iterdir()) == []


def test_a_bare_name_and_an_image_id_open_the_engine(engine: Any, sample: Sample) -> None:
    for spec in (sample.tag, f"docker-daemon:{sample.tag}", sample.image_id):
        image = open_image(spec, docker_client=engine)
        try:
            assert [str(d) for d in image.config.diff_ids] == sample.diff_ids
        finally:
            image.close()


def test_a_missing_image_is_named(engine: Any, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="docker-daemon:imagekit-test/absent:1: no such image"):
        open_engine("imagekit-test/absent:1", client=engine, temp_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_engine_is_an_input_error_with_a_hint(tmp_path: Path) -> None:
    socket = tmp_path / "no-engine.sock"
    with pytest.raises(InputError, match="cannot reach the docker engine") as info:
        open_engine("busybox", base_url=f"unix://{socket}", temp_dir=str(tmp_path))
    assert info.value.hint is not None and "make services" in info.value.hint
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("busybox", "busybox:latest"),
        ("busybox:1", "busybox:1"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("app@sha256:" + "0" * 64, "app@sha256:" + "0" * 64),
        ("0123456789ab", "0123456789ab"),
    ],
)
def test_a_name_alone_saves_only_latest(name: str, saved: str) -> None:
    assert save_reference(name) == saved


def _layer_facts(image: Any) -> list[tuple[str, str, int]]:
    facts = []
    for layer in image.layers:
        digest, size = hashlib.sha256(), 0
        with layer.open() as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        facts.append((str(layer.diff_id), f"sha256:{digest.hexdigest()}", size))
    return facts


def test_every_medium_gives_the_same_layers(engine: Any, sample: Sample, tmp_path: Path) -> None:
    archive = open_image(f"docker-archive:{sample.archive}")
    try:
        write_layout(archive, tmp_path / "ours", "sample")
        expected = _layer_facts(archive)
        sizes = [layer.uncompressed_size for layer in archive.layers]
    finally:
        archive.close()
    assert [diff_id for diff_id, _, _ in expected] == sample.diff_ids
    assert [digest for _, digest, _ in expected] == sample.diff_ids
    assert [size for _, _, size in expected] == sizes
    for spec in (
        f"docker-daemon:{sample.tag}",
        f"oci:{tmp_path / 'ours'}:sample",
        f"oci:{sample.skopeo_layout}:sample",
    ):
        image = open_image(spec, docker_client=engine)
        try:
            assert _layer_facts(image) == expected, spec
            if "skopeo" not in spec:  # skopeo rewrites the config when it converts
                assert image.config.digest.hex == sample.image_id.removeprefix("sha256:"), spec
        finally:
            image.close()
