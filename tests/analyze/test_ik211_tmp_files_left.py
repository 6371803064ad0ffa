"""IK211 tmp-files-left: files left in /tmp by a shipped layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imagekit.analyze import analyze
from imagekit.catalog import load_catalog
from imagekit.oci.engine import open_engine
from tests.support.docker import build
from tests.support.images import directory, file, image, whiteout

RULE = load_catalog().get("IK211")
CONF = b"listen = 8080\n" * 100


def ik211(*layers: Any, base: int = 0) -> list[tuple[int, int, int]]:
    result = analyze(image(*layers), base=base)
    return [(f.layer, f.count, f.bytes) for f in result.findings if f.rule == "IK211"]


@pytest.mark.parametrize(("kind", "expected"), [("bad", True), ("good", False)])
def test_catalogue_examples_built_on_the_engine(
    engine: Any, tmp_path: Path, kind: str, expected: bool
) -> None:
    context = tmp_path / "context"
    (context / "config").mkdir(parents=True)
    (context / "config" / "app.conf").write_bytes(CONF)
    (context / "config" / "extra.conf").write_bytes(b"x = 1\n")
    tag = f"imagekit-test/ik211-{kind}:1"
    build(engine, context, getattr(RULE, kind), tag)
    source = open_engine(tag, client=engine)
    try:
        result = analyze(source)
    finally:
        source.close()
    found = [f for f in result.findings if f.rule == "IK211"]
    if not expected:
        assert found == []
        return
    (finding,) = found
    assert finding.layer == 1  # the COPY to /tmp
    assert finding.bytes == len(CONF) + len(b"x = 1\n")
    assert set(finding.paths) == {"/tmp/config/app.conf", "/tmp/config/extra.conf"}
    assert finding.severity == "info"


def test_files_in_tmp_with_exact_bytes() -> None:
    assert ik211([file("tmp/a", 10), file("tmp/sub/b", 32), directory("tmp/empty")]) == [(0, 2, 42)]


def test_removed_in_a_later_layer_is_still_reported_where_it_was_written() -> None:
    assert ik211([file("tmp/download.tar.gz", 5000)], [whiteout("tmp/download.tar.gz")]) == [
        (0, 1, 5000)
    ]


@pytest.mark.parametrize("path", ["var/tmp/cache", "app/tmp/x", "tmpdata/x", "tmp"])
def test_other_places_are_not_tmp(path: str) -> None:
    assert ik211([file(path, 10)]) == []


def test_empty_files_and_base_layers_are_not_reported() -> None:
    assert ik211([file("tmp/.X0-lock")]) == []
    assert ik211([file("tmp/from-base", 10)], [file("etc/x", 1)], base=1) == []
