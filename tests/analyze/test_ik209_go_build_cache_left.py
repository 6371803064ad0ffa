"""IK209 go-build-cache-left: Go's build and module caches in a shipped layer.

The catalogue's examples need the golang image, which the test engine does not have; the
layers below hold what `go build` and `go mod download` leave in such an image.
"""

from __future__ import annotations

import pytest

from imagekit.analyze import analyze
from tests.support.images import file, image, whiteout

BINARY = b"\x7fELF" + bytes(2000)


def ik209(*layers: object, base: int = 0) -> list[tuple[int, int, int, tuple[str, ...]]]:
    result = analyze(image(*layers), base=base)  # type: ignore[arg-type]
    return [(f.layer, f.count, f.bytes, f.paths) for f in result.findings if f.rule == "IK209"]


def test_build_in_the_shipped_stage() -> None:
    found = ik209(
        [file("go/bin/.keep"), file("src/main.go", b"package main\n")],
        [
            file("root/.cache/go-build/3f/3fa1-d", 7000),
            file("root/.cache/go-build/trim.txt", 10),
            file("go/pkg/mod/example.com/lib@v1.2.0/lib.go", 300),
            file("go/pkg/mod/cache/download/example.com/lib/@v/v1.2.0.zip", 900),
            file("usr/local/bin/server", BINARY, mode=0o755),
        ],
    )
    assert len(found) == 1
    layer, count, size, paths = found[0]
    assert (layer, count, size) == (1, 4, 8210)
    assert paths[0] == "/root/.cache/go-build/3f/3fa1-d"


@pytest.mark.parametrize(
    "path",
    [
        "home/gopher/.cache/go-build/aa/x",
        "home/gopher/go/pkg/mod/example.com/m@v1/x.go",
        "root/go/pkg/mod/cache/x",
    ],
)
def test_other_homes_and_gopaths(path: str) -> None:
    assert [x[:3] for x in ik209([file(path, 64)])] == [(0, 1, 64)]


@pytest.mark.parametrize("path", ["go/pkg/other/x", "root/.cache/gopls/x", "srv/go/pkg/mod/x"])
def test_not_go_caches(path: str) -> None:
    assert ik209([file(path, 64)]) == []


def test_cleaned_in_a_later_layer_still_counts_where_written() -> None:
    found = ik209([file("root/.cache/go-build/x", 100)], [whiteout("root/.cache/go-build")])
    assert [x[:3] for x in found] == [(0, 1, 100)]


def test_only_the_binary_copied_from_a_build_stage() -> None:
    assert ik209([file("server", BINARY, mode=0o755)]) == []
