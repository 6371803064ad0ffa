"""IK508 duplicate-stage-name: two stages of one name."""

from __future__ import annotations

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK508"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(4, 1, 4)]
    assert "line 1" in found[0].message
    assert lines(rule.good, RULE) == []


def test_names_compare_without_case() -> None:
    text = """\
        FROM alpine:3.20 AS Base
        FROM alpine:3.20 AS base
        """
    (finding,) = hits(text, RULE)
    assert finding.line == 2
    assert "`base`" in finding.message or "`Base`" in finding.message


def test_every_repeat_names_the_first() -> None:
    text = """\
        FROM alpine:3.20 AS a
        FROM alpine:3.20 AS b
        FROM alpine:3.20 AS a
        FROM alpine:3.20
        FROM alpine:3.20 \\
          AS a
        """
    found = hits(text, RULE)
    assert [(f.line, f.end_line) for f in found] == [(3, 3), (5, 5)]
    assert all("line 1" in f.message for f in found)


def test_unnamed_and_distinct_stages() -> None:
    text = """\
        FROM alpine:3.20
        FROM alpine:3.20
        FROM alpine:3.20 AS build
        FROM build AS build2
        """
    assert lines(text, RULE) == []
