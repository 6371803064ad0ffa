"""`imagekit lint --shellcheck`: RUN scripts checked by the real ShellCheck binary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from imagekit.catalog import Severity
from imagekit.cli import cli
from imagekit.errors import UsageError
from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding
from imagekit.lint.shellcheck import EXCLUDED, find_shellcheck, shellcheck_rule


def run_linter(text: str, *, shellcheck: bool = True) -> tuple[Linter, list[Finding]]:
    linter = Linter(LintOptions(shellcheck=shellcheck))
    return linter, linter.lint_text(text)


def sc(text: str) -> list[Finding]:
    """ShellCheck findings of ``text``, in source order."""
    _, findings = run_linter(text)
    return sorted((f for f in findings if f.rule.startswith("SC")), key=lambda f: f.sort_key)


def spans(text: str, rule: str) -> list[tuple[int, int, int, int]]:
    return [(f.line, f.column, f.end_line, f.end_column) for f in sc(text) if f.rule == rule]


def covered(text: str, finding: Finding) -> str:
    """The Dockerfile text a one-line finding points at."""
    assert finding.line == finding.end_line
    return text.split("\n")[finding.line - 1][finding.column - 1 : finding.end_column - 1]


@pytest.mark.parametrize(
    "stage",
    [
        "FROM debian:bookworm-slim\n",
        'FROM debian:bookworm-slim\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n',
        'FROM alpine:3.20\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\n',
    ],
    ids=["sh", "bash", "ash"],
)
def test_unquoted_variable_at_its_exact_place(stage: str) -> None:
    text = stage + "RUN echo $foo\n"
    line = text.count("\n")
    found = [f for f in sc(text) if f.rule == "SC2086"]
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(line, 10, line, 14)]
    assert covered(text, found[0]) == "$foo"
    assert found[0].name == "shellcheck-sc2086"
    assert found[0].severity is Severity.INFO
    assert "quote" in found[0].message.lower()


def test_level_becomes_severity() -> None:
    found = {f.rule: f.severity for f in sc("FROM debian\nRUN echo $foo\nRUN if true; then :\n")}
    assert found["SC2154"] is Severity.WARNING  # referenced but not assigned
    assert found["SC2086"] is Severity.INFO
    assert Severity.ERROR in {found[code] for code in found if code.startswith("SC10")}


def test_column_on_a_continuation_line() -> None:
    text = "FROM debian\nRUN apt-get update && \\\n    echo   $bar && \\\n\techo ok $baz\n"
    assert spans(text, "SC2086") == [(3, 12, 3, 16), (4, 10, 4, 14)]


def test_escape_directive_and_multibyte_text() -> None:
    text = "# escape=`\nFROM debian\nRUN echo 'é 🎉' $a && `\n  echo $b\n"
    found = [f for f in sc(text) if f.rule == "SC2086"]
    assert [covered(text, f) for f in found] == ["$a", "$b"]
    assert [(f.line, f.column) for f in found] == [(3, 16), (4, 8)]


def test_dialect_follows_the_stage_shell() -> None:
    run = "RUN echo -n x\n"
    sh_stage = "FROM debian AS one\n" + run
    bash_stage = 'FROM debian AS two\nSHELL ["/bin/bash", "-c"]\n' + run
    # SC3037: echo flags are not POSIX; only sh is told so.
    assert spans(sh_stage + bash_stage, "SC3037") == [(2, 10, 2, 12)]


def test_shell_changed_within_a_stage_applies_to_later_runs() -> None:
    text = 'FROM debian\nRUN [[ -n "$HOME" ]]\nSHELL ["/bin/bash", "-c"]\nRUN [[ -n "$HOME" ]]\n'
    # SC3010: [[ ]] is not POSIX: reported for the sh RUN only.
    assert [f.line for f in sc(text) if f.rule == "SC3010"] == [2]


def test_heredoc_script() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\necho $foo\nEOF\n"
    assert spans(text, "SC2086") == [(4, 6, 4, 10)]


def test_heredoc_fed_to_a_command() -> None:
    text = "FROM debian\nRUN cat > /x <<EOF\nname=$name\nEOF\n"
    found = [f for f in sc(text) if f.rule == "SC2154"]
    assert [(f.line, covered(text, f)) for f in found] == [(3, "$name")]


def test_heredoc_with_its_own_shebang() -> None:
    bash = "FROM debian\nRUN <<EOF\n#!/bin/bash\n[[ -n $x ]] && echo $x\nEOF\n"
    codes = {f.rule for f in sc(bash)}
    assert "SC3010" not in codes  # checked as bash, not sh
    assert spans(bash, "SC2086") == [(4, 21, 4, 23)]
    python = "FROM debian\nRUN <<EOF\n#!/usr/bin/env python3\nprint($x)\nEOF\n"
    assert sc(python) == []


@pytest.mark.parametrize(
    "text",
    [
        'FROM debian\nRUN ["sh", "-c", "echo $foo"]\n',
        'FROM mcr.example.com/windows\nSHELL ["pwsh", "-Command"]\nRUN echo $foo\n',
        'FROM debian\nSHELL ["/bin/zsh", "-c"]\nRUN echo $foo\n',
        "FROM debian\nCOPY a b\n",
    ],
    ids=["exec-form", "pwsh", "zsh", "no-run"],
)
def test_runs_shellcheck_cannot_read_are_skipped(text: str) -> None:
    linter, findings = run_linter(text)
    assert [f for f in findings if f.rule.startswith("SC")] == []
    assert linter.shellcheck is not None
    assert linter.shellcheck.processes == 0


def test_env_and_arg_names_count_as_assigned() -> None:
    text = (
        "FROM debian AS base\nENV prefix=/opt\n"
        "FROM base\nARG version\n"
        'RUN echo "$prefix $version $typo"\n'
        "ARG later=1\n"
    )
    found = [f for f in sc(text) if f.rule == "SC2154"]
    assert [covered(text, f) for f in found] == ["$typo"]
    late = 'FROM debian\nRUN echo "$later"\nARG later=1\n'
    assert [covered(late, f) for f in sc(late) if f.rule == "SC2154"] == ["$later"]


def test_sourced_files_are_not_asked_for() -> None:
    assert "SC1091" in EXCLUDED
    text = 'FROM debian\nSHELL ["/bin/bash", "-c"]\nRUN source /etc/os-release && echo "$ID"\n'
    assert sc(text) == []


def test_shellcheck_comments_inside_a_heredoc_script() -> None:
    text = "FROM debian\nRUN <<EOF\n# shellcheck disable=SC2086\necho $foo\nEOF\n"
    assert {f.rule for f in sc(text)} == {"SC2154"}


def test_off_by_default() -> None:
    text = "FROM debian\nRUN echo $foo\n"
    linter, findings = run_linter(text, shellcheck=False)
    assert linter.shellcheck is None
    assert findings and not [f for f in findings if f.rule.startswith("SC")]


def test_one_process_per_dockerfile() -> None:
    text = (
        "FROM debian AS a\nRUN echo $one\nRUN echo $two\n"
        'FROM a\nSHELL ["/bin/bash", "-c"]\nRUN echo $three\nRUN <<EOF\necho $four\nEOF\n'
    )
    linter, findings = run_linter(text)
    assert sorted(f.line for f in findings if f.rule == "SC2086") == [2, 3, 6, 8]
    assert linter.shellcheck is not None
    assert linter.shellcheck.processes == 1
    linter.lint_text(text)
    assert linter.shellcheck.processes == 2


def test_missing_binary_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        find_shellcheck([str(tmp_path)])
    assert caught.value.exit_code == 2
    line = caught.value.format()
    assert "shellcheck" in line
    assert "pip install 'imagekit[shellcheck]'" in line
    assert "\n" not in line


def test_binary_found_in_given_directories(tmp_path: Path) -> None:
    real = find_shellcheck()
    assert os.access(real, os.X_OK)
    (tmp_path / "shellcheck").symlink_to(real)
    assert find_shellcheck([str(tmp_path)]) == str(tmp_path / "shellcheck")


def test_rule_entry_for_a_code() -> None:
    rule = shellcheck_rule("SC2046", "warning")
    assert (rule.id, rule.name, rule.severity, rule.category) == (
        "SC2046",
        "shellcheck-sc2046",
        Severity.WARNING,
        "practice",
    )
    assert shellcheck_rule("SC2046", "style").severity is Severity.STYLE


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian\nRUN echo $foo\n")
    return path


def test_cli_flag(dockerfile: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["lint", "--shellcheck", "--format", "json", str(dockerfile)], catch_exceptions=False
    )
    found = {(f["rule"], f["line"], f["column"]) for f in json.loads(result.stdout)}
    assert {("SC2086", 2, 10), ("SC2154", 2, 10)} <= found
    assert result.exit_code == 1  # SC2154 is a warning, the default threshold
    plain = runner.invoke(cli, ["lint", "--format", "json", str(dockerfile)])
    assert not [f for f in json.loads(plain.stdout) if f["rule"].startswith("SC")]


def test_fast_command_line_path(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from imagekit.cli import main

    code = main(["lint", "--shellcheck", "--failure-threshold", "error", str(dockerfile)])
    out = capsys.readouterr().out
    assert code == 0
    assert "SC2086" in out


@pytest.mark.parametrize(
    ("comment", "left"),
    [
        ("# imagekit ignore=SC2086", {"SC2154"}),
        ("# hadolint ignore=SC2086,SC2154", set()),
        ("# imagekit global ignore=SC2154", {"SC2086"}),
        ("# imagekit ignore=IK201", {"SC2086", "SC2154"}),
    ],
)
def test_ignored_like_any_rule(comment: str, left: set[str]) -> None:
    assert {f.rule for f in sc(f"FROM debian\n{comment}\nRUN echo $foo\n")} == left
