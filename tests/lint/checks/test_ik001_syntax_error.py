"""IK001 syntax-error: what cannot be parsed is a finding with its line, not a crash."""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lint


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("FROM alpine:3.20\nFETCH http://x\n", 2, "unknown instruction: FETCH"),
        ("FROM alpine:3.20\nRUN <<EOF\necho hi\n", 2, "unterminated heredoc"),
        ("RUN echo\nFROM alpine:3.20\n", 1, "before the first FROM"),
        ("# only a comment\n", 1, "no instructions"),
        ("", 1, "no instructions"),
        ("ARG A=1\n", 1, "no FROM"),
        ("FROM\n", 1, "requires an image"),
    ],
)
def test_parse_problems_are_findings(text: str, line: int, needle: str) -> None:
    found = hits(text, "IK001", dedent=False)
    assert found, lint(text, dedent=False)
    assert found[0].line == line
    assert needle in found[0].message
    assert found[0].severity.value == "error"


def test_target_that_does_not_exist() -> None:
    found = hits("FROM alpine:3.20 AS base\n", "IK001", target="nope", dedent=False)
    assert len(found) == 1
    assert "'nope' not found" in found[0].message


def test_valid_file_has_no_syntax_error() -> None:
    assert hits("FROM alpine:3.20\nRUN echo hi\n", "IK001", dedent=False) == []
