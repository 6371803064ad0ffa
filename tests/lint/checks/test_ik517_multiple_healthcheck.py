"""IK517 multiple-healthcheck: more than one HEALTHCHECK in a stage."""

from __future__ import annotations

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK517"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 1, 71)]
    assert "HEALTHCHECK on line 4 replaces it" in found[0].message
    assert lines(rule.good, RULE) == []


def test_every_overridden_one_is_reported() -> None:
    text = """\
        FROM debian:bookworm-slim
        HEALTHCHECK CMD ["true"]
        HEALTHCHECK NONE
        HEALTHCHECK --interval=5s \\
          CMD ["false"]
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [2, 3]
    assert all("line 4" in f.message for f in found)


def test_none_counts_like_any_other() -> None:
    assert lines("FROM scratch\nHEALTHCHECK NONE\nHEALTHCHECK CMD x\n", RULE) == [2]
    assert lines("FROM scratch\nHEALTHCHECK CMD x\nHEALTHCHECK NONE\n", RULE) == [2]
    assert lines("FROM scratch\nHEALTHCHECK NONE\nHEALTHCHECK NONE\n", RULE) == [2]


def test_stages_are_judged_on_their_own() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        HEALTHCHECK CMD ["a"]
        FROM base
        HEALTHCHECK CMD ["b"]
        FROM base AS other
        HEALTHCHECK NONE
        """
    assert lines(text, RULE) == []


def test_builder_stage_is_judged_too() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        HEALTHCHECK CMD ["a"]
        healthcheck CMD ["b"]
        FROM scratch
        HEALTHCHECK CMD ["c"]
        """
    assert lines(text, RULE) == [2]


def test_single_or_onbuild_not_reported() -> None:
    text = """\
        FROM debian:bookworm-slim
        ONBUILD HEALTHCHECK CMD ["a"]
        HEALTHCHECK CMD ["b"]
        """
    assert lines(text, RULE) == []
