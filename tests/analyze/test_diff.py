"""Comparing two images: size deltas, layers matched by diff ID, files that moved."""

from __future__ import annotations

from imagekit.analyze import analyze, diff, diff_images
from tests.support.images import MemoryImage, MemoryLayer, file, tar, whiteout

BASE = tar(file("etc/os-release", b"ID=test\n"), file("bin/sh", 3000))
OLD_APP = tar(file("app/main", 1000), file("app/data", 500), file("app/old", 40))
NEW_APP = tar(file("app/main", 1500), file("app/data", 200), file("app/new", 70))


def images() -> tuple[MemoryImage, MemoryImage]:
    old = MemoryImage([MemoryLayer(BASE), MemoryLayer(OLD_APP)], history=["base", "COPY old"])
    new = MemoryImage(
        [MemoryLayer(BASE, compression=""), MemoryLayer(NEW_APP)], history=["base", "COPY new"]
    )
    return old, new


def test_layers_match_by_diff_id_across_compressions() -> None:
    old, new = images()
    changes = diff_images(old, new)
    assert [layer.created_by for layer in changes.shared] == ["base"]
    assert [layer.created_by for layer in changes.added] == ["COPY new"]
    assert [layer.created_by for layer in changes.removed] == ["COPY old"]
    assert changes.removed[0].index == 1


def test_sizes() -> None:
    old, new = images()
    a, b = analyze(old), analyze(new)
    changes = diff(a, b)
    assert changes.size_delta is None  # the new base layer has no compressed size
    assert changes.uncompressed_delta == b.total_uncompressed_size - a.total_uncompressed_size
    gz = diff(a, a)
    assert gz.size_delta == 0
    assert gz.to_dict()["size"] == {"old": a.total_size, "new": a.total_size, "delta": 0}


def test_files_added_removed_grown_shrunk() -> None:
    old, new = images()
    changes = diff(analyze(old), analyze(new))
    assert [(f.path, f.delta) for f in changes.files_added] == [("/app/new", 70)]
    assert [(f.path, f.delta) for f in changes.files_removed] == [("/app/old", -40)]
    assert [(f.path, f.old_size, f.new_size) for f in changes.files_grown] == [
        ("/app/main", 1000, 1500)
    ]
    assert [(f.path, f.delta) for f in changes.files_shrunk] == [("/app/data", -300)]
    assert dict(changes.counts) == {"added": 1, "removed": 1, "grown": 1, "shrunk": 1}


def test_deleted_files_are_not_in_the_final_tree() -> None:
    old = MemoryImage([MemoryLayer(tar(file("a", 10), file("b", 5)))])
    new = MemoryImage(
        [MemoryLayer(tar(file("a", 10), file("b", 5))), MemoryLayer(tar(whiteout("b")))]
    )
    changes = diff(analyze(old), analyze(new))
    assert [f.path for f in changes.files_removed] == ["/b"]
    assert len(changes.shared) == 1 and len(changes.added) == 1


def test_repeated_layers_are_matched_one_to_one() -> None:
    same = tar(file("x", 1))
    old = MemoryImage([MemoryLayer(same)])
    new = MemoryImage([MemoryLayer(same), MemoryLayer(same)])
    changes = diff(analyze(old), analyze(new))
    assert (len(changes.shared), len(changes.added), len(changes.removed)) == (1, 1, 0)


def test_top_limits_the_lists_not_the_counts() -> None:
    old = MemoryImage([MemoryLayer(tar(file("keep", 1)))])
    new = MemoryImage([MemoryLayer(tar(*(file(f"f{i}", i + 1) for i in range(30))))])
    changes = diff(analyze(old), analyze(new), top=5)
    assert [f.path for f in changes.files_added] == ["/f29", "/f28", "/f27", "/f26", "/f25"]
    assert dict(changes.counts)["added"] == 30


def test_to_dict_shape() -> None:
    old, new = images()
    data = diff_images(old, new).to_dict()
    assert set(data) == {"old", "new", "size", "uncompressed_size", "layers", "files"}
    assert set(data["layers"]) == {"shared", "added", "removed"}
    assert data["layers"]["added"][0]["created_by"] == "COPY new"
