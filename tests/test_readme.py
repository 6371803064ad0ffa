"""The README's rule table is generated from the catalogue (`make readme`)."""

from __future__ import annotations

from pathlib import Path

import click
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


def readme_command_lines() -> list[list[str]]:
    """Every ``imagekit`` command of the README's sh blocks, and of its console blocks
    (the lines after ``$ ``)."""
    import re

    from tests.support.cli_lines import commands

    text = README.read_text(encoding="utf-8")
    found: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        found += list(commands(block.replace(".venv/bin/imagekit", "imagekit")))
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        typed = "\n".join(line[2:] for line in block.splitlines() if line.startswith("$ "))
        found += list(commands(typed))
    return found


def test_the_readme_shows_many_command_lines() -> None:
    lines = readme_command_lines()
    groups = {words[1] for words in lines}
    assert len(lines) > 40
    assert {"lint", "inspect", "push", "report", "registry", "build"} <= groups


def test_every_command_line_in_the_readme_is_one_the_cli_takes() -> None:
    """Synopsis lines (``[--port 5000]``) are left out; every other line must parse."""
    from tests.support.cli_lines import check

    wrong = []
    for words in readme_command_lines():
        if any(word.startswith("[") for word in words):
            continue
        try:
            check(words)
        except (AssertionError, click.UsageError) as exc:
            wrong.append(f"{' '.join(words)}: {exc}")
    assert wrong == []
