"""The README's rule table is generated from the catalogue (`make readme`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from imagekit.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def test_readme_rule_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    table = text.split(START, 1)[1].split(END, 1)[0]
    result = CliRunner().invoke(cli, ["rules", "--format", "markdown"])
    assert result.exit_code == 0
    assert table.strip() == result.stdout.strip(), "run `make readme`"
