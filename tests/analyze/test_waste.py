"""Exact waste, efficiency and per-layer changes on hand-made layer stacks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imagekit.analyze import analyze
from imagekit.analyze.report import Analysis
from tests.support.images import (
    MemoryImage,
    MemoryLayer,
    directory,
    file,
    hardlink,
    image,
    opaque,
    symlink,
    tar,
    whiteout,
)


def wasted(analysis: Analysis) -> list[tuple[str, int, int, int]]:
    return sorted((w.path, w.size, w.layer, w.hidden_by) for w in analysis.wasted)


def visible(analysis: Analysis) -> dict[str, int]:
    return {path: info.size for path, info in analysis.files.items()}


def test_empty_image_is_fully_efficient() -> None:
    result = analyze(MemoryImage([]))
    assert (result.content_bytes, result.wasted_bytes, result.efficiency) == (0, 0, 1.0)
    assert result.total_size == 0 and result.layers == ()


def test_layer_with_only_directories_is_fully_efficient() -> None:
    result = analyze(image([directory("etc"), directory("var/log")]))
    assert result.efficiency == 1.0 and result.content_bytes == 0


def test_overwrite_counts_only_the_hidden_copy() -> None:
    # dive would count the surviving 300-byte copy too; only the 1000-byte one is dead
    result = analyze(image([file("app/data", 1000), file("app/keep", 10)], [file("app/data", 300)]))
    assert wasted(result) == [("/app/data", 1000, 0, 1)]
    assert result.wasted_bytes == 1000
    assert result.content_bytes == 1310
    assert result.visible_bytes == 310
    assert result.efficiency == pytest.approx(310 / 1310)
    layer0, layer1 = result.layers
    assert (layer0.wasted_bytes, layer0.hidden_by, layer0.hides) == (1000, ((1, 1000),), ())
    assert (layer1.wasted_bytes, layer1.hidden_by, layer1.hides) == (0, (), ((0, 1000),))
    assert (layer1.files_added, layer1.files_changed, layer1.files_removed) == (0, 1, 0)
    assert visible(result) == {"/app/data": 300, "/app/keep": 10}


def test_whiteout_of_a_directory_wastes_its_whole_subtree() -> None:
    result = analyze(
        image(
            [directory("src"), file("src/a.c", 400), file("src/sub/b.c", 600), file("keep", 7)],
            [file("out/bin", 50)],
            [whiteout("src")],
        )
    )
    assert wasted(result) == [("/src/a.c", 400, 0, 2), ("/src/sub/b.c", 600, 0, 2)]
    assert result.wasted_bytes == 1000
    assert result.layers[2].files_removed == 2
    assert result.layers[0].hidden_by == ((2, 1000),)
    assert visible(result) == {"/keep": 7, "/out/bin": 50}


def test_opaque_directory_hides_only_lower_layers() -> None:
    # the opaque marker comes after the new entry of the same layer: order does not matter
    result = analyze(
        image(
            [file("etc/app/old.conf", 100), file("etc/app/sub/x", 20), file("etc/other", 5)],
            [file("etc/app/new.conf", 30), opaque("etc/app")],
        )
    )
    assert wasted(result) == [("/etc/app/old.conf", 100, 0, 1), ("/etc/app/sub/x", 20, 0, 1)]
    assert visible(result) == {"/etc/app/new.conf": 30, "/etc/other": 5}
    assert result.layers[1].files_removed == 2 and result.layers[1].files_added == 1


def test_whiteout_and_recreate_in_the_same_layer() -> None:
    for order in ("whiteout-first", "file-first"):
        members = [whiteout("data"), file("data/new", 8)]
        if order == "file-first":
            members.reverse()
        result = analyze(image([file("data/old", 64), file("data/old2", 1)], members))
        assert wasted(result) == [("/data/old", 64, 0, 1), ("/data/old2", 1, 0, 1)], order
        assert visible(result) == {"/data/new": 8}, order


def test_delete_then_readd_in_later_layers() -> None:
    result = analyze(image([file("f", 10)], [whiteout("f")], [file("f", 20)]))
    assert wasted(result) == [("/f", 10, 0, 1)]
    assert visible(result) == {"/f": 20}
    assert [layer.files_removed for layer in result.layers] == [0, 1, 0]
    assert [layer.files_added for layer in result.layers] == [1, 0, 1]


def test_no_double_counting_across_several_overwrites() -> None:
    result = analyze(image([file("f", 100)], [file("f", 200)], [file("f", 300)], [whiteout("f")]))
    assert wasted(result) == [("/f", 100, 0, 1), ("/f", 200, 1, 2), ("/f", 300, 2, 3)]
    assert result.wasted_bytes == 600 == result.content_bytes
    assert result.efficiency == 0.0


def test_file_replaced_by_directory_and_back() -> None:
    result = analyze(
        image([file("x", 10)], [directory("x"), file("x/y", 5)], [file("x", 3)]),
    )
    assert wasted(result) == [("/x", 10, 0, 1), ("/x/y", 5, 1, 2)]
    assert visible(result) == {"/x": 3}
    assert result.layers[1].files_removed == 1  # the file x became a directory
    assert result.layers[2].files_changed == 1 and result.layers[2].files_removed == 1


def test_same_layer_overwrite_is_waste_of_that_layer() -> None:
    result = analyze(image([file("f", 100), file("f", 30)]))
    assert wasted(result) == [("/f", 100, 0, 0)]
    assert result.layers[0].files_added == 1


def test_hardlinks_add_no_content_and_keep_their_copy_alive() -> None:
    result = analyze(
        image(
            [file("bin/tool", 5000, mode=0o755), hardlink("bin/alias", "bin/tool")],
            [whiteout("bin/tool")],
        )
    )
    assert result.content_bytes == 5000
    assert result.wasted_bytes == 0  # /bin/alias still shows the content
    assert result.layers[0].files_added == 2


def test_hardlinks_are_regular_files_of_the_final_tree_listed_once_in_biggest() -> None:
    result = analyze(
        image(
            [file("bin/tool", 5000, mode=0o755), hardlink("bin/alias", "bin/tool"), file("s", 9)],
            [whiteout("bin/tool")],
        )
    )
    assert visible(result) == {"/bin/alias": 5000, "/s": 9}
    both = analyze(image([file("a", 700), hardlink("b", "a"), file("c", 5)]))
    assert visible(both) == {"/a": 700, "/b": 700, "/c": 5}
    assert [(f.path, f.size) for f in both.biggest] == [("/a", 700), ("/c", 5)]
    assert both.content_bytes == 705


def test_hardlinks_copy_wasted_when_every_path_is_gone() -> None:
    result = analyze(
        image([file("a", 500), hardlink("b", "a")], [whiteout("a")], [file("b", 1)]),
    )
    assert wasted(result) == [("/b", 500, 0, 2)]


def test_symlinks_are_not_followed_and_hold_no_content() -> None:
    result = analyze(
        image([file("real/f", 10), symlink("link", "real")], [whiteout("link")]),
    )
    assert visible(result) == {"/real/f": 10}
    assert result.wasted_bytes == 0


def test_base_excludes_waste_inside_the_base_but_counts_what_later_layers_hide() -> None:
    stack = image(
        [file("usr/share/doc/a", 1000), file("tmpfile", 70)],
        [whiteout("tmpfile")],  # base-internal: excluded
        [whiteout("usr/share/doc")],  # our layer deletes base content: counted
        [file("app", 40), file("app", 10)],  # our own overwrite: counted
    )
    full = analyze(stack)
    assert full.wasted_bytes == 1070 + 40
    based = analyze(stack, base=2)
    assert based.wasted_bytes == 1040
    assert based.content_bytes == 50 + 1000
    assert based.efficiency == pytest.approx(10 / 1050)
    assert [layer.base for layer in based.layers] == [True, True, False, False]
    assert [w.path for w in based.wasted] == ["/usr/share/doc/a", "/app"]
    # per-layer numbers are facts about the layers, the same with or without base
    assert [replace(layer, base=False) for layer in based.layers] == list(full.layers)


def test_base_out_of_range() -> None:
    from imagekit.errors import ImageError

    with pytest.raises(ImageError, match="--base 3 but the image has 1 layers"):
        analyze(image([file("a")]), base=3)


def test_sizes_created_by_and_files_list() -> None:
    layers = [
        MemoryLayer(tar(file("a", 10), file("b", 5))),
        MemoryLayer(tar(file("a", 1), whiteout("b"), file("c", 2))),
    ]
    img = MemoryImage(layers, history=["COPY . /", "RUN make"])
    result = analyze(img, files=True)
    assert result.total_size == sum(len(layer.blob) for layer in layers)
    assert result.total_uncompressed_size == sum(len(layer.data) for layer in layers)
    assert [layer.uncompressed_size for layer in result.layers] == [len(x.data) for x in layers]
    assert [layer.created_by for layer in result.layers] == ["COPY . /", "RUN make"]
    assert [layer.diff_id for layer in result.layers] == [str(x.diff_id) for x in layers]
    files = result.layers[1].files
    assert files is not None
    assert [(f.path, f.change, f.size) for f in files] == [
        ("/a", "changed", 1),
        ("/b", "removed", 0),
        ("/c", "added", 2),
    ]
    assert analyze(img).layers[1].files is None


def test_compute_compressed_measures_uncompressed_sources() -> None:
    import gzip

    data = tar(file("a", b"abc" * 10_000))
    result = analyze(MemoryImage([MemoryLayer(data, compression="")]), compute_compressed=True)
    (layer,) = result.layers
    assert layer.compressed_size_computed
    assert layer.size is not None
    assert abs(layer.size - len(gzip.compress(data, 6))) < 64
    assert result.total_size == layer.size
    plain = analyze(MemoryImage([MemoryLayer(data, compression="")]))
    assert plain.total_size is None and plain.layers[0].size is None


def test_biggest_and_duplicates() -> None:
    blob = b"q" * 100_000
    result = analyze(
        image(
            [file("a/one", blob), file("b/two", blob), file("c/small", b"q" * 10)],
            [file("d/three", blob), file("e/big", 200_000), hardlink("e/link", "e/big")],
        ),
        top=3,
    )
    assert [(f.path, f.size) for f in result.biggest] == [
        ("/e/big", 200_000),  # listed once, though /e/link shows it too
        ("/d/three", 100_000),
        ("/b/two", 100_000),
    ]
    (dup,) = result.duplicates
    assert dup.paths == ("/a/one", "/b/two", "/d/three")
    assert dup.extra_bytes == 200_000
    assert (
        analyze(image([file("a", blob), file("b", blob)]), duplicate_min_size=None).duplicates == ()
    )


def test_to_dict_has_the_documented_keys() -> None:
    data = analyze(image([file("tmp/x", 5)])).to_dict()
    assert {
        "image",
        "digest",
        "total_size",
        "total_uncompressed_size",
        "wasted_bytes",
        "efficiency",
        "layers",
        "findings",
    } <= set(data)
    assert {"digest", "diff_id", "size", "uncompressed_size", "created_by", "wasted_bytes"} <= set(
        data["layers"][0]
    )
    assert set(data["findings"][0]) >= {"rule", "layer", "paths", "bytes", "message"}
