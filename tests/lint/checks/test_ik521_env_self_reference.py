"""IK521 env-self-reference: an ENV value using a variable the same ENV sets."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik521_env_self_reference import references
from tests.support.lint import hits, lines

RULE = "IK521"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(4, 5, 4, 33)]
    assert "`CONFIG` refers to `$APP_HOME`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("ENV A=1 B=$A", [(2, 9, 13)]),
        ("ENV A=1 B=${A}", [(2, 9, 15)]),
        ("ENV A=1 B=${A:-x}", [(2, 9, 18)]),
        ("ENV A=1 B=x/$A/y", [(2, 9, 17)]),
        ('ENV A=1 B="$A"', [(2, 9, 15)]),
        ("ENV A=1 A=$A:x", [(2, 9, 15)]),
        ("ENV A=1 B=2 C=$A$B", [(2, 13, 19)]),
        ("ENV A=1 B=$A C=$A", [(2, 9, 13), (2, 14, 18)]),
        ("ENV A=1 B=$AB", []),
        ("ENV B=$A A=1", []),
        ("ENV A=1 B='$A'", []),
        ("ENV A=1 B=\\$A", []),
        ("ENV A=1 B=$C", []),
        ("ENV A=1", []),
        ("ENV A $A", []),
        ("ENV PATH=/opt/bin:$PATH", []),
    ],
)
def test_assignments(env: str, expected: list[tuple[int, int, int]]) -> None:
    text = f"FROM debian:bookworm-slim\n{env}\n"
    found = hits(text, RULE, dedent=False)
    assert [(f.line, f.column, f.end_column) for f in found] == expected


def test_declared_before_is_not_judged() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        ENV A=1
        ARG B
        FROM base
        ENV A=2 B=3 C=$A D=$B
        ENV E=1 F=$E
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(6, 9)]
    assert "`F` refers to `$E`" in found[0].message


def test_global_arg_is_not_a_declaration_in_the_stage() -> None:
    text = """\
        ARG A=0
        FROM debian:bookworm-slim
        ENV A=1 B=$A
        """
    assert lines(text, RULE) == [3]


def test_continuation_lines() -> None:
    text = """\
        FROM debian:bookworm-slim
        ENV JAVA_HOME=/opt/java \\
            PATH=$JAVA_HOME/bin:$PATH
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(3, 5, 3, 30)]


def test_escape_directive() -> None:
    text = "# escape=`\nFROM debian:bookworm-slim\nENV A=1 B=`$A C=\\$A\n"
    found = hits(text, RULE, dedent=False)
    assert [(f.line, f.column) for f in found] == [(3, 15)]


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("$A", ["A"]),
        ("${A_1}/${B:-x}", ["A_1", "B"]),
        ("'$A'$B", ["B"]),
        ('"$A"', ["A"]),
        ("\\$A", []),
        ("$1", []),
        ("$", []),
    ],
)
def test_references(raw: str, names: list[str]) -> None:
    assert references(raw) == names
