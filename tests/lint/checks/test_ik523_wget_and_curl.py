"""IK523 wget-and-curl: both download tools run in the shipped stages."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK523"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(6, 5, 6)]
    assert "`wget` is run here and `curl` earlier" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN curl -fsSLO https://example.com/a && wget https://example.com/b", [(2, 42, 68)]),
        ("RUN wget -q https://example.com/a; curl -O https://example.com/b", [(2, 36, 65)]),
        ("RUN curl -O https://example.com/a | sh && curl https://example.com/b", []),
        ("RUN apt-get install -y curl wget", []),
        ("RUN echo wget && curl https://example.com/b", []),
        ("RUN which wget curl", []),
    ],
)
def test_one_run(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


def test_reported_once_at_the_second_tool() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN wget -q https://example.com/a
        RUN wget -q https://example.com/b
        RUN curl -fsSLO https://example.com/c
        RUN curl -fsSLO https://example.com/d && wget -q https://example.com/e
        """
    assert lines(text, RULE) == [4]


def test_builder_stages_are_not_judged() -> None:
    text = """\
        FROM debian:bookworm-slim AS fetch
        RUN wget -q https://example.com/a
        FROM debian:bookworm-slim
        COPY --from=fetch /a /a
        RUN curl -fsSLO https://example.com/b
        """
    assert lines(text, RULE) == []


def test_parent_stages_ship() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        RUN wget -q https://example.com/a
        FROM base
        RUN sh -c 'curl -fsSLO https://example.com/b'
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 12)]


def test_target_decides_what_ships() -> None:
    text = """\
        FROM debian:bookworm-slim AS one
        RUN wget -q https://example.com/a
        RUN curl -fsSLO https://example.com/b
        FROM debian:bookworm-slim AS two
        RUN curl -fsSLO https://example.com/c
        """
    assert lines(text, RULE) == []
    assert lines(text, RULE, target="one") == [3]
