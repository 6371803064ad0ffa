"""Output formats against golden files (set IMAGEKIT_UPDATE_GOLDEN=1 to rewrite them)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import lint_paths
from imagekit.lint.output import render

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = "examples/python-service/Dockerfile"


@pytest.fixture
def findings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    monkeypatch.chdir(ROOT)
    result = lint_paths([EXAMPLE], LintOptions(), io.BytesIO())
    assert result.errors == []
    return list(result.findings)


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("IMAGEKIT_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fmt", "name"), [("tty", "python-service.txt"), ("json", "python-service.json")]
)
def test_format_matches_golden(findings: list[object], fmt: str, name: str) -> None:
    _check(name, render(findings, fmt, color=False, files=1))  # type: ignore[arg-type]


def test_json_fields_and_positions(findings: list[object]) -> None:
    data = json.loads(render(findings, "json"))  # type: ignore[arg-type]
    assert {tuple(sorted(item)) for item in data} == {
        (
            "column",
            "end_column",
            "end_line",
            "file",
            "fixable",
            "line",
            "message",
            "rule",
            "severity",
        )
    }
    pip = next(item for item in data if item["rule"] == "IK204")
    source = (ROOT / EXAMPLE).read_text().splitlines()
    line = source[pip["line"] - 1]
    assert line[pip["column"] - 1 : pip["end_column"] - 1] == "pip install -r requirements.txt"


def test_colour_only_when_asked(findings: list[object]) -> None:
    plain = render(findings, "tty", color=False)  # type: ignore[arg-type]
    coloured = render(findings, "tty", color=True)  # type: ignore[arg-type]
    assert "\x1b[" not in plain
    assert "\x1b[33mwarning\x1b[0m" in coloured


def test_clean_file_says_so() -> None:
    assert render([], "tty", files=2) == "no findings in 2 files\n"
    assert json.loads(render([], "json")) == []
