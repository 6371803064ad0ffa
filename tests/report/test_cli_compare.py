"""`imagekit report compare` against real OCI layouts and docker archives, and saved JSON
reports turned into one Markdown comment (markdown_from_files)."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli, main
from imagekit.errors import ImageError, InputError
from imagekit.oci.archive_write import write_archive
from imagekit.oci.layout import write_layout
from imagekit.report.saved import load_reports, markdown_from_files
from imagekit.report.sizereport import SizeReport
from tests.report.examples import example_image, old_image


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Sources: an OCI layout with tags 1 (old) and 2 (new), and both as docker archives."""
    root = tmp_path_factory.mktemp("images")
    write_layout(old_image(), root / "layout", "1")
    write_layout(example_image(), root / "layout", "2")
    write_archive(old_image(), root / "old.tar", ["app:1"])
    write_archive(example_image(), root / "new.tar", ["app:2"])
    return {
        "old": f"oci:{root}/layout:1",
        "new": f"oci:{root}/layout:2",
        "old.tar": f"docker-archive:{root}/old.tar",
        "new.tar": f"docker-archive:{root}/new.tar",
    }


def gzip6(data: bytes) -> int:
    engine = zlib.compressobj(6, zlib.DEFLATED, 31)
    return len(engine.compress(data) + engine.flush())


def one_line_error(result: Result, code: int, *parts: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0]
    return lines[0]


def test_compare_two_layout_images(images: dict[str, str]) -> None:
    result = run("compare", images["old"], images["new"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["image", "old", "new", "change"]
    row = next(line for line in lines if line.startswith(images["new"]))
    assert "1 shared, 2 added, 1 removed" in row
    assert "total" not in result.stdout.split("Layers added")[0]  # one pair: no total row
    assert "RUN apt-get install -y curl" in result.stdout  # the removed layer's created_by


def test_json_has_exact_bytes_that_match_the_layouts(images: dict[str, str]) -> None:
    result = run("compare", "--format", "json", images["old"], images["new"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    (item,) = data["images"]
    new = example_image()
    blobs = sum(layer.size or 0 for layer in new.layers) + new.manifest.config.size
    assert item["new"]["compressed_size"] == blobs
    assert item["delta"] == blobs - item["old"]["compressed_size"]
    assert item["matched_by"] == "digest"
    assert [x["created_by"] for x in item["layers"]["removed"]] == [
        "/bin/sh -c apt-get install -y curl"
    ]


def test_several_pairs_make_one_report_with_a_total(images: dict[str, str]) -> None:
    result = run(
        "compare",
        "--format",
        "markdown",
        images["old"],
        images["new"],
        images["new"],
        images["new"],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("### Image sizes\n")
    assert "- **total**: " in result.stdout
    assert f"- `{images['new']}`: **" in result.stdout
    assert "unchanged" in result.stdout
    assert re.search(r"^\| \*\*total\*\* +\|", result.stdout, re.MULTILINE)


def test_archives_have_no_compressed_size_unless_measured(images: dict[str, str]) -> None:
    plain = json.loads(
        run("compare", "--format", "json", images["old.tar"], images["new.tar"]).stdout
    )
    (item,) = plain["images"]
    assert item["new"]["compressed_size"] is None and item["delta"] is None
    assert item["new"]["uncompressed_size"] > 0
    assert item["matched_by"] == "diff_id"
    measured = run(
        "compare", "--compute-compressed", "--format", "json", images["old.tar"], images["new.tar"]
    )
    (item,) = json.loads(measured.stdout)["images"]
    layers = item["new"]["layers"]
    assert all(x["measured"] for x in layers)
    # gzip level 6, as docker and containerd push
    assert [x["size"] for x in layers] == [gzip6(layer.data) for layer in example_image().layers]
    assert item["delta"] is not None
    table = run("compare", "--compute-compressed", images["old.tar"], images["new.tar"]).stdout
    assert "(gzip)" in table


def test_a_budget_crossed_prints_the_report_then_fails(images: dict[str, str]) -> None:
    result = run("compare", "--fail-on-growth", "5%,1MB", images["old"], images["new"])
    assert result.exit_code == 1
    assert "Budget: 1 limit crossed" in result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"imagekit: error[policy-failure]: {images['new']}: grew by ")
    assert "over --fail-on-growth 5% by" in line
    fits = run(
        "compare", "--fail-on-growth", "500%", "--max-size", "1MB", images["old"], images["new"]
    )
    assert fits.exit_code == 0, fits.stderr
    assert "Budget: within the limits" in fits.stdout
    too_big = run("compare", "--max-size", "100kB", images["new"], images["old"])
    assert too_big.exit_code == 0  # the new image of that pair is the small one
    too_big = run("compare", "--max-size", "100kB", images["old"], images["new"])
    assert too_big.exit_code == 1
    assert "over --max-size 100 kB (100000 bytes) by" in too_big.stderr


@pytest.mark.parametrize(
    "args, parts",
    [
        (("compare", "oci:x:1"), ("pairs of images", "got 1")),
        (("compare", "--fail-on-growth", "5%,6%", "oci:a", "oci:b"), ("two percentages",)),
        (("compare", "--max-size", "big", "oci:a", "oci:b"), ("--max-size: bad size 'big'",)),
        (("compare", "oci:/nonexistent/layout:1", "oci:/nonexistent/layout:2"), ("/nonexistent",)),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], parts: tuple[str, ...]) -> None:
    one_line_error(run(*args), 2, *parts)


def test_click_usage_errors_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "compare"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert "Missing argument" in line and "imagekit report compare --help" in line


# -- saved reports ------------------------------------------------------------------------


def saved(tmp_path: Path, images: dict[str, str], name: str, *pair: str) -> Path:
    result = run("compare", "--format", "json", *pair)
    assert result.exit_code == 0, result.stderr
    path = tmp_path / name
    path.write_text(result.stdout, encoding="utf-8")
    return path


def test_markdown_from_files_merges_json_reports_and_keeps_markdown(
    tmp_path: Path, images: dict[str, str]
) -> None:
    a = saved(tmp_path, images, "a.json", images["old"], images["new"])
    push = tmp_path / "push.out"  # what push --format json will write: the report under a key
    push.write_text(
        json.dumps({"pushed": ["r/app:2"], "size_report": json.loads(a.read_text())}),
        encoding="utf-8",
    )
    note = tmp_path / "note.md"
    note.write_text("Built by the nightly job.\n\n", encoding="utf-8")
    text = markdown_from_files([note, a, push])
    assert text.startswith("Built by the nightly job.\n\n### Image sizes\n")
    assert text.count("### Image sizes") == 1  # one merged report
    assert text.count(f"- `{images['new']}`: ") == 2
    assert "- **total**: " in text
    merged = load_reports([a, push])
    assert len(merged.images) == 2
    assert merged.images[0] == SizeReport.from_dict(json.loads(a.read_text())).images[0]


def test_markdown_from_files_keeps_crossings(tmp_path: Path, images: dict[str, str]) -> None:
    result = run("compare", "--format", "json", "--max-size", "1kB", images["old"], images["new"])
    path = tmp_path / "b.json"
    path.write_text(result.stdout, encoding="utf-8")
    text = markdown_from_files([path])
    assert "**Budget**: 1 limit crossed" in text
    assert "over --max-size 1.00 kB" in text


def test_only_markdown_is_included_as_it_is(tmp_path: Path) -> None:
    note = tmp_path / "n.markdown"
    note.write_text("# hello\n", encoding="utf-8")
    assert markdown_from_files([note]) == "# hello\n"


def test_bad_saved_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        markdown_from_files([tmp_path / "missing.json"])
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(ImageError, match="not valid JSON"):
        markdown_from_files([bad])
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ImageError, match="not an imagekit size report"):
        markdown_from_files([other])
