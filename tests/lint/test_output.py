"""Output formats against golden files (set IMAGEKIT_UPDATE_GOLDEN=1 to rewrite them)."""

from __future__ import annotations

import json

import pytest

from imagekit.lint.findings import Finding
from imagekit.lint.output import render
from tests.support.golden import EXAMPLE, ROOT, check_golden, example_findings


@pytest.fixture
def findings(monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(ROOT)
    return example_findings()


@pytest.mark.parametrize(
    ("fmt", "name"), [("tty", "python-service.txt"), ("json", "python-service.json")]
)
def test_format_matches_golden(findings: list[Finding], fmt: str, name: str) -> None:
    check_golden(name, render(findings, fmt, color=False, files=1))


def test_json_fields_and_positions(findings: list[Finding]) -> None:
    data = json.loads(render(findings, "json"))
    assert {tuple(sorted(item)) for item in data} == {
        (
            "column",
            "end_column",
            "end_line",
            "file",
            "fix",
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


def test_colour_only_when_asked(findings: list[Finding]) -> None:
    plain = render(findings, "tty", color=False)
    coloured = render(findings, "tty", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[33mwarning\x1b[0m" in coloured


def test_clean_file_says_so() -> None:
    assert render([], "tty", files=2) == "no findings in 2 files\n"
    assert json.loads(render([], "json")) == []
