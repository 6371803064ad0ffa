"""IK519 copy-from-own-stage: COPY --from naming the stage the COPY is in."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK519"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(4, 1, 4)]
    assert "`--from=build`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("runtime", [4]),
        ("RUNTIME", [4]),
        ("Runtime", [4]),
        ("1", [4]),
        ("0", []),
        ("builder", []),
        ("busybox:1.36", []),
        ("${STAGE}", []),
        ("runtime2", []),
    ],
)
def test_from_values(source: str, expected: list[int]) -> None:
    text = f"""\
        FROM golang:1.22 AS builder
        FROM debian:bookworm-slim AS runtime
        RUN mkdir /out
        COPY --from={source} /a /a
        """
    assert lines(text, RULE) == expected


def test_unnamed_stage_by_index_only() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY --from=0 /a /b
        FROM debian:bookworm-slim
        COPY --from=0 /a /b
        COPY --from=1 /a /b
        """
    assert lines(text, RULE) == [2, 5]


def test_other_flags_and_instructions_are_not_judged() -> None:
    text = """\
        FROM debian:bookworm-slim AS app
        RUN --mount=type=bind,from=app,target=/x ls /x
        ADD --chown=app:app a /a
        COPY --chown=app /a /b
        COPY --link \\
          --from=app /c /c
        """
    found = hits(text, RULE)
    assert [(f.line, f.end_line) for f in found] == [(5, 5)]
