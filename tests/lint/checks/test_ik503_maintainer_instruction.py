"""IK503 maintainer-instruction: MAINTAINER is deprecated."""

from __future__ import annotations

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK503"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(2, 1, 2)]
    assert (
        'LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"' in found[0].message
    )
    assert lines(rule.good, RULE) == []


def test_every_stage_and_any_case() -> None:
    text = """\
        FROM golang:1.22 AS build
        maintainer ops@example.com
        FROM debian:bookworm-slim
        MAINTAINER "Jane \\"JD\\" Doe"
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [2, 4]
    assert 'authors="ops@example.com"' in found[0].message
    assert 'authors="Jane \\"JD\\" Doe"`' in found[1].message


def test_unquoted_quotes_are_escaped() -> None:
    (finding,) = hits('FROM debian:bookworm-slim\nMAINTAINER Jane "JD" Doe\n', RULE, dedent=False)
    assert 'authors="Jane \\"JD\\" Doe"`' in finding.message


def test_continued_author_is_joined_and_quotes_escaped() -> None:
    text = """\
        FROM debian:bookworm-slim
        MAINTAINER Jane Doe \\
            <jane@example.com>
        """
    (finding,) = hits(text, RULE)
    assert (finding.line, finding.end_line) == (2, 2)
    assert 'authors="Jane Doe <jane@example.com>"' in finding.message


def test_labels_and_other_instructions_are_fine() -> None:
    text = """\
        FROM debian:bookworm-slim
        LABEL maintainer="jane@example.com"
        LABEL org.opencontainers.image.authors="Jane Doe"
        RUN echo MAINTAINER
        """
    assert lines(text, RULE) == []
