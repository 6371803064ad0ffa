"""The inspect and diff renderers: golden files for table, JSON and Markdown, and details."""

from __future__ import annotations

import json

import pytest

from imagekit.analyze import analyze, diff
from imagekit.report.diff import render_diff
from imagekit.report.gate import Limit, Limits, check
from imagekit.report.inspect import render_inspect
from imagekit.report.sizes import human_delta, human_size
from imagekit.report.text import code, md, short_created_by, short_digest
from tests.report.examples import (
    check_golden,
    example_analysis,
    example_image,
    old_image,
)

EXTENSIONS = {"table": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_inspect_golden(fmt: str) -> None:
    check_golden(f"inspect.{EXTENSIONS[fmt]}", render_inspect(example_analysis(), fmt))


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_inspect_with_a_base_golden(fmt: str) -> None:
    analysis = analyze(example_image("", name="docker-daemon:app:1"), base=1, files=True)
    check_golden(f"inspect-base-files.{EXTENSIONS[fmt]}", render_inspect(analysis, fmt))


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_diff_golden(fmt: str) -> None:
    result = diff(analyze(old_image()), analyze(example_image()))
    check_golden(f"diff.{EXTENSIONS[fmt]}", render_diff(result, fmt))


def test_inspect_json_has_the_documented_keys_with_exact_bytes() -> None:
    analysis = example_analysis()
    data = json.loads(render_inspect(analysis, "json"))
    for key in ("image", "digest", "total_size", "total_uncompressed_size", "wasted_bytes"):
        assert data[key] == getattr(analysis, key)
    assert data["efficiency"] == analysis.efficiency
    layer = data["layers"][1]
    assert {"digest", "diff_id", "size", "uncompressed_size", "created_by", "wasted_bytes"} <= set(
        layer
    )
    assert layer["wasted_bytes"] == 30_000 + 5_004  # the deleted .deb and the replaced curl
    assert "files" not in layer
    assert "gate" not in data
    waste, finding = data["findings"][:2]
    assert {"rule", "layer", "paths", "bytes", "message", "hidden_by", "created_by"} <= set(finding)
    assert (finding["rule"], finding["layer"], finding["bytes"]) == ("IK201", 1, 70_000)
    assert finding["hidden_by"] is None
    assert finding["created_by"] == data["layers"][1]["created_by"]
    # The wasted bytes are named too: written by layer 1, hidden by layer 2.
    assert (waste["rule"], waste["layer"], waste["hidden_by"]) == ("IK102", 1, 2)
    assert waste["bytes"] == data["wasted_bytes"] == 35_004
    assert waste["created_by"] == data["layers"][1]["created_by"]


def test_inspect_json_with_files_lists_each_layers_changes() -> None:
    data = json.loads(render_inspect(example_analysis(files=True), "json"))
    cleanup = {f["path"]: (f["change"], f["size"]) for f in data["layers"][2]["files"]}
    assert cleanup == {
        "/var/cache/apt/archives/curl_8.0_amd64.deb": ("removed", 0),
        "/usr/bin/curl": ("changed", 6_004),
        "/usr/local/bin/app": ("added", 9_004),
    }


def test_inspect_json_carries_the_gate_verdict() -> None:
    analysis = example_analysis()
    crossed = check(analysis, Limits(max_wasted_bytes=Limit(1000, "--max-wasted-bytes")))
    gate = json.loads(render_inspect(analysis, "json", crossed))["gate"]
    assert gate["passed"] is False
    assert [(c["limit"], c["max"], c["actual"], c["by"]) for c in gate["crossed"]] == [
        ("max-wasted-bytes", 1000, 35_004, 34_004)
    ]
    passed = json.loads(render_inspect(analysis, "json", ()))["gate"]
    assert passed == {"passed": True, "crossed": []}


def test_unknown_compressed_size_is_said_so() -> None:
    analysis = analyze(example_image(""))
    assert analysis.total_size is None
    text = render_inspect(analysis, "table")
    assert "size:       unknown compressed" in text
    assert "--compute-compressed" in text
    assert json.loads(render_inspect(analysis, "json"))["total_size"] is None


def test_computed_compressed_size_is_marked() -> None:
    analysis = analyze(example_image(""), compute_compressed=True)
    assert analysis.total_size is not None
    text = render_inspect(analysis, "table")
    assert f"{human_size(analysis.total_size)} compressed (measured with gzip)" in text
    assert "(gzip)" in text.split("Layers:")[1]


def test_empty_image_renders() -> None:
    from tests.support.images import MemoryImage

    analysis = analyze(MemoryImage([]))
    text = render_inspect(analysis, "table")
    assert "Findings: none" in text and "Layers:" not in text
    assert render_inspect(analysis, "markdown").startswith("### imagekit inspect `memory:test`")


def test_diff_without_compressed_sizes_says_which_side_lacks_them() -> None:
    result = diff(analyze(old_image()), analyze(example_image("")))
    text = render_diff(result, "table")
    assert "compressed:   unknown (new image without compressed blobs" in text
    data = json.loads(render_diff(result, "json"))
    assert data["size"]["delta"] is None
    assert data["uncompressed_size"]["delta"] == result.uncompressed_delta


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_inspect(example_analysis(), "xml")
    with pytest.raises(ValueError):
        render_diff(diff(example_analysis(), example_analysis()), "xml")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.00 kB"),
        (9_994, "9.99 kB"),
        (9_995, "10.0 kB"),
        (123_456, "123 kB"),
        (999_499, "999 kB"),
        (999_500, "1.00 MB"),
        (45_600_000, "45.6 MB"),
        (3 * 10**9, "3.00 GB"),
        (-2_500, "-2.50 kB"),
    ],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_human_delta_is_signed() -> None:
    assert (human_delta(1500), human_delta(-1500), human_delta(0)) == (
        "+1.50 kB",
        "-1.50 kB",
        "0 B",
    )


@pytest.mark.parametrize(
    ("created_by", "short"),
    [
        ("/bin/sh -c #(nop)  ENV A=1", "ENV A=1"),
        ("/bin/sh -c apt-get update", "RUN apt-get update"),
        ("RUN /bin/sh -c make install # buildkit", "RUN make install"),
        ("COPY . /app # buildkit", "COPY . /app"),
        ("/bin/sh -c set -e;\n\tmake", "RUN set -e; make"),
        ("", "-"),
        ("RUN " + "x" * 100, "RUN " + "x" * 53 + "..."),
    ],
)
def test_short_created_by(created_by: str, short: str) -> None:
    assert short_created_by(created_by) == short
    assert len(short_created_by(created_by)) <= 60


def test_short_digest() -> None:
    assert short_digest("sha256:" + "ab" * 32) == "sha256:abababababab"
    assert short_digest(None) == "-"


def test_markdown_escapes_table_breakers() -> None:
    assert md("a | b\nc *d* <e>") == "a \\| b c \\*d\\* \\<e\\>"
    assert code("/a|b") == "`/a\\|b`"
    assert code("it`s") == "``it`s``"
    row = render_inspect(example_analysis(), "markdown").splitlines()
    layer = next(line for line in row if "apt-get update" in line)
    assert "curl \\| tee" in layer
    assert layer.count(" | ") == 6  # seven cells: the pipe in created_by is escaped
