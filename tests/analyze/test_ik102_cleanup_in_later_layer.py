"""IK102 cleanup-in-later-layer in an image: every wasted copy that is not a rewrite.

Decisions: one finding per writing layer and hiding layer; the message says whether the
copies were deleted or overwritten; the findings' bytes (with IK103's) are the analysis's
wasted bytes; ``base`` leaves out waste hidden by a base layer, as the totals do.
"""

from __future__ import annotations

from imagekit.analyze import Finding, analyze
from tests.support.images import file, image, opaque, whiteout


def waste(*layers: object, base: int = 0) -> list[Finding]:
    result = analyze(image(*layers), base=base)  # type: ignore[arg-type]
    found = [f for f in result.findings if f.rule in ("IK102", "IK103")]
    assert sum(f.bytes for f in found) == result.wasted_bytes
    return [f for f in found if f.rule == "IK102"]


def test_deleted_in_a_later_layer() -> None:
    [finding] = waste(
        [file("opt/app/bundle.bin", 3000), file("opt/app/run.sh", 10)],
        [whiteout("opt/app/bundle.bin")],
    )
    assert (finding.layer, finding.hidden_by, finding.bytes) == (0, 1, 3000)
    assert finding.paths == ("/opt/app/bundle.bin",)
    assert finding.severity == "warning"
    assert finding.message.startswith(
        "1 file (3000 bytes) written by layer 0 and deleted by layer 1"
    )


def test_overwritten_with_other_content() -> None:
    [finding] = waste([file("etc/app.conf", b"a = 1\n")], [file("etc/app.conf", b"a = 22\n")])
    assert (finding.layer, finding.hidden_by, finding.bytes) == (0, 1, 6)
    assert "overwritten by layer 1" in finding.message


def test_one_finding_per_pair_of_layers_largest_paths_first() -> None:
    found = waste(
        [file("a", 100), file("b", 300), file("c", 200)],
        [whiteout("a"), opaque("d"), file("c", 201)],
        [whiteout("b")],
    )
    assert [(f.layer, f.hidden_by, f.count, f.bytes) for f in found] == [
        (0, 1, 2, 300),
        (0, 2, 1, 300),
    ]
    assert found[0].paths == ("/c", "/a")
    assert "deleted or overwritten by layer 1" in found[0].message


def test_written_twice_in_one_layer() -> None:
    [finding] = waste([file("x", 50), file("x", 60)])
    assert (finding.layer, finding.hidden_by, finding.bytes) == (0, 0, 50)
    assert "written twice by layer 0" in finding.message


def test_base_waste_is_left_out_and_base_files_we_hide_count() -> None:
    layers = (
        [file("base-junk", 10), file("base-file", 20)],
        [whiteout("base-junk")],
        [whiteout("base-file"), file("ours", 5)],
        [whiteout("ours")],
    )
    found = waste(*layers, base=2)
    assert [(f.layer, f.hidden_by, f.bytes) for f in found] == [(0, 2, 20), (2, 3, 5)]
    assert "of the base image (layer 0) deleted by layer 2" in found[0].message
    assert [(f.layer, f.hidden_by) for f in waste(*layers)] == [(0, 1), (0, 2), (2, 3)]


def test_no_finding_without_waste() -> None:
    assert waste([file("a", 10)], [file("b", 20)]) == []


def test_without_content_hashing_every_wasted_copy_is_ik102() -> None:
    layers = ([file("a", b"same")], [file("a", b"same", mode=0o755)])
    result = analyze(image(*layers), duplicate_min_size=None)
    assert [(f.rule, f.bytes) for f in result.findings] == [("IK102", 4)]
    assert "overwritten by layer 1" in result.findings[0].message
    assert [f.rule for f in analyze(image(*layers)).findings] == ["IK103"]


def test_deleted_overwritten_and_stored_again_in_one_finding() -> None:
    [finding] = waste(
        [file("a", b"one"), file("b", b"two"), file("c", b"six")],
        [whiteout("a"), file("b", b"2"), file("c", b"six")],
    )
    assert (finding.count, finding.bytes) == (3, 9)
    assert "deleted, overwritten or stored again unchanged by layer 1:" in finding.message
