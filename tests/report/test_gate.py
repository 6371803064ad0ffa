"""The CI gate: which limits an analysis crosses, by how much, and the exact messages."""

from __future__ import annotations

from imagekit.analyze import analyze
from imagekit.report.gate import Limit, Limits, check
from tests.report.examples import example_analysis, example_image
from tests.support.images import file, image, whiteout

#: How the waste messages name the example image's one waste finding.
WASTE = "; from IK102 cleanup-in-later-layer (35.0 kB, layer 1 → 2)"


def test_no_limits_nothing_crossed() -> None:
    assert check(example_analysis(), Limits()) == ()
    assert not Limits().any
    assert Limits(min_efficiency=Limit(0.5, "--min-efficiency")).any


def test_limits_at_the_value_are_not_crossed() -> None:
    analysis = example_analysis()
    assert analysis.total_size is not None
    limits = Limits(
        max_size=Limit(analysis.total_size, "--max-size"),
        max_wasted_bytes=Limit(analysis.wasted_bytes, "--max-wasted-bytes"),
        max_wasted_percent=Limit(analysis.wasted_percent, "--max-wasted-percent"),
        min_efficiency=Limit(analysis.efficiency, "--min-efficiency"),
    )
    assert check(analysis, limits) == ()


def test_every_limit_crossed_with_exact_messages() -> None:
    analysis = example_analysis()
    assert (analysis.wasted_bytes, analysis.content_bytes) == (35_004, 233_227)
    size = analysis.total_size
    assert size is not None
    limits = Limits(
        max_size=Limit(100_000, "--max-size"),
        max_wasted_bytes=Limit(1_000_000, "--max-wasted-bytes"),  # not crossed
        max_wasted_percent=Limit(10, "/repo/.imagekit.yaml:3"),
        min_efficiency=Limit(0.9, "--min-efficiency"),
    )
    crossed = check(analysis, limits)
    assert [c.key for c in crossed] == ["max-size", "max-wasted-percent", "min-efficiency"]
    by_key = {c.key: c for c in crossed}
    assert by_key["max-size"].excess == size - 100_000
    share = 100 * 35_004 / 233_227
    efficiency = 1 - 35_004 / 233_227
    assert by_key["max-wasted-percent"].actual == share
    assert by_key["min-efficiency"].excess == 0.9 - efficiency
    assert by_key["max-size"].message == (
        f"size {size / 1000:.0f} kB ({size} bytes, compressed) is over --max-size "
        f"100 kB (100000 bytes) by {(size - 100_000) / 1000:.0f} kB ({size - 100_000} bytes)"
    )
    assert by_key["max-wasted-percent"].message == (
        f"wasted {share:.2f}% of the content bytes written is over inspect.max-wasted-percent "
        f"10% (set in /repo/.imagekit.yaml:3) by {share - 10:.2f} percentage points"
        f"{WASTE}"
    )
    assert by_key["min-efficiency"].message == (
        f"efficiency {efficiency:.4f} is under --min-efficiency 0.9 by {0.9 - efficiency:.4f}"
        f"{WASTE}"
    )


def test_wasted_bytes_message() -> None:
    crossed = check(example_analysis(), Limits(max_wasted_bytes=Limit(5_000, "--max-wasted-bytes")))
    assert [c.message for c in crossed] == [
        "wasted 35.0 kB (35004 bytes) is over --max-wasted-bytes 5.00 kB (5000 bytes) "
        "by 30.0 kB (30004 bytes)" + WASTE
    ]


def test_size_limit_falls_back_to_uncompressed_and_says_so() -> None:
    analysis = analyze(example_image(""))
    assert analysis.total_size is None
    crossed = check(analysis, Limits(max_size=Limit(1000, "--max-size")))
    assert len(crossed) == 1
    assert crossed[0].actual == analysis.total_uncompressed_size
    assert "bytes, uncompressed: no compressed sizes known) is over --max-size" in (
        crossed[0].message
    )


def test_waste_crossings_list_their_findings_largest_first() -> None:
    layers = (
        [file("a", 100), file("b", 300), file("c", 50), file("d", 20), file("e", 10)],
        [whiteout("a")],
        [whiteout("b")],
        [whiteout("c")],
        [whiteout("d"), whiteout("e")],
    )
    analysis = analyze(image(*layers))  # type: ignore[arg-type]
    limits = Limits(
        max_size=Limit(1, "--max-size"), max_wasted_bytes=Limit(1, "--max-wasted-bytes")
    )
    size, wasted = check(analysis, limits)
    assert "findings" not in size.to_dict()
    assert [(f["layer"], f["hidden_by"], f["bytes"]) for f in wasted.to_dict()["findings"]] == [
        (0, 2, 300),
        (0, 1, 100),
        (0, 3, 50),
        (0, 4, 30),
    ]
    assert wasted.message.endswith(
        "; from IK102 cleanup-in-later-layer (300 B, layer 0 → 2), IK102 cleanup-in-later-layer "
        "(100 B, layer 0 → 1), IK102 cleanup-in-later-layer (50 B, layer 0 → 3) and 1 more finding"
    )
