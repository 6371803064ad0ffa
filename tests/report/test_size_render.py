"""The size report's and the trend's renderers: golden files, the Mermaid chart's structure,
the sparkline, and the charts drawn with matplotlib."""

from __future__ import annotations

import dataclasses
import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from imagekit.config.schema import parse_size
from imagekit.errors import UsageError
from imagekit.report.budget import parse_budget
from imagekit.report.chart import MAX_LABELS, draw_chart, labelled
from imagekit.report.delta import delta
from imagekit.report.sizerender import render_size_report
from imagekit.report.sizereport import size_report
from imagekit.report.trend import BARS, mermaid_chart, render_history, sparkline, trend_rows
from tests.report.examples import check_golden
from tests.report.size_examples import example_records, example_report, record

EXTENSIONS = {"table": "txt", "json": "json", "markdown": "md"}


def budgeted():
    report = example_report()
    budget = parse_budget("1%,100kB", "8MB", parse_size=parse_size)
    return size_report(report.images, budget)


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_size_report_golden(fmt: str) -> None:
    check_golden(f"size-report.{EXTENSIONS[fmt]}", render_size_report(budgeted(), fmt))


def test_size_report_markdown_with_a_trend_golden() -> None:
    text = render_size_report(example_report(), "markdown", trends=[example_records(8)])
    check_golden("size-report-trend.md", text)


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_history_golden(fmt: str) -> None:
    rows = trend_rows(example_records(7), 6)
    check_golden(f"history.{EXTENSIONS[fmt]}", render_history(rows, fmt))


def test_markdown_says_the_direction_in_words() -> None:
    text = render_size_report(example_report(), "markdown")
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == 4  # three images and the total
    assert "grew by" in lines[0] and "(+" in lines[0]
    assert lines[1].endswith("first push of this tag")
    assert lines[2].endswith("unchanged")
    assert lines[3].startswith("- **total**: ")
    app = example_report().images[0]
    assert app.old is not None
    swapped = delta(app.new, app.old)
    text = render_size_report(size_report([swapped]), "markdown")
    assert "shrank by" in text and "(-" in text


def test_json_is_the_reports_dict_with_exact_bytes() -> None:
    report = budgeted()
    data = json.loads(render_size_report(report, "json"))
    assert data == json.loads(json.dumps(report.to_dict()))
    assert data["total"]["new_size"] == report.new_size
    assert data["budget"]["passed"] is False
    assert {c["limit"] for c in data["budget"]["crossed"]} == {
        "growth-percent",
        "growth-bytes",
        "max-size",
    }


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        render_size_report(example_report(), "html")
    with pytest.raises(ValueError):
        render_history([], "html")


MERMAID = re.compile(
    r"^```mermaid\n"
    r"xychart-beta\n"
    r'    title "(?P<title>[^"\n]+)"\n'
    r"    x-axis \[(?P<labels>[^\]\n]*)\]\n"
    r'    y-axis "(?P<y>[^"\n]+)"\n'
    r"    line \[(?P<values>[^\]\n]*)\]\n"
    r"```$"
)


def test_the_mermaid_chart_has_xychart_structure() -> None:
    records = example_records(30)
    records[3] = dataclasses.replace(records[3], commit="", tag='we"ird')
    match = MERMAID.match(mermaid_chart(records, 'trend of "app"'))
    assert match is not None, mermaid_chart(records, "t")
    assert match["title"] == "trend of 'app'"
    labels = re.findall(r'"([^"]*)"', match["labels"])
    assert len(labels) == 30 and len(set(labels)) == 30  # unique: a category axis merges equal ones
    assert match["labels"] == ", ".join(f'"{label}"' for label in labels)
    assert all(len(label) <= 9 for label in labels)
    assert labels[3] == "05-02"  # no commit: the day (T0 + 18 h)
    values = [float(v) for v in match["values"].split(", ")]
    assert values == [round((r.compressed_size or 0) / 1e6, 2) for r in records]
    assert "MB" in match["y"]


def test_the_mermaid_chart_leaves_out_unknown_sizes_and_dedupes_days() -> None:
    records = [record(0, 5_000_000, commit="x"), record(1, None), record(2, 6_000_000, commit="x")]
    match = MERMAID.match(mermaid_chart(records, "t"))
    assert match is not None
    assert match["labels"] == '"x", "x-2"'
    assert match["values"] == "5.00, 6.00"


def test_sparkline_maps_min_and_max_to_the_ends() -> None:
    line = sparkline([30, 10, 20, None, 50])
    assert line[1] == BARS[0] and line[4] == BARS[-1]
    assert line[3] == " "
    assert line[0] == BARS[round(20 * 7 / 40)]
    assert sparkline([7, 7]) == BARS[3] * 2
    assert sparkline([]) == "" and sparkline([None]) == " "


def test_history_table_shows_a_sparkline_only_when_asked() -> None:
    rows = trend_rows(example_records(6))
    assert BARS[0] not in render_history(rows, "table")
    with_spark = render_history(rows, "table", spark=True)
    last = with_spark.rstrip("\n").splitlines()[-1]
    assert last.startswith(sparkline([r.record.compressed_size for r in rows]))
    assert last.endswith("39.8 MB .. 45.0 MB")


def test_trend_rows_delta_is_to_the_push_before_even_the_first_shown() -> None:
    records = example_records(4)
    rows = trend_rows(list(reversed(records)), 3)
    assert [r.record for r in rows] == records[1:]
    assert [r.delta for r in rows] == [1_200_000, 0, -1_400_000]
    assert trend_rows(records)[0].delta is None
    assert trend_rows([record(0, None), record(1, 5)])[1].delta is None


def test_labelled_points_are_sparse_and_keep_the_ends() -> None:
    sizes = [10, 50, 30, 20, 90, 5, *range(100, 130)]
    keep = labelled(sizes)
    assert {0, len(sizes) - 1, sizes.index(5), sizes.index(129)} <= keep
    assert len(keep) <= MAX_LABELS + 4
    assert labelled([]) == set()


def test_chart_svg_is_valid_xml(tmp_path: Path) -> None:
    path = draw_chart(trend_rows(example_records(30)), tmp_path / "out" / "trend.svg")
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = path.read_text(encoding="utf-8")
    assert "compressed size (MB)" in text or "compressed" in text


def test_chart_png_has_the_magic_and_its_size(tmp_path: Path) -> None:
    path = draw_chart(trend_rows(example_records(5)), tmp_path / "trend.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (900, 450)


def test_chart_refuses_other_suffixes_and_empty_trends(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"must end in \.svg or \.png"):
        draw_chart(trend_rows(example_records(3)), tmp_path / "trend.jpg")
    with pytest.raises(UsageError, match="no recorded push has a known compressed size"):
        draw_chart(trend_rows([record(0, None)]), tmp_path / "trend.svg")
