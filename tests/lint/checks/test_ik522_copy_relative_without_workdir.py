"""IK522 copy-relative-without-workdir: COPY/ADD to a relative path before any WORKDIR."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK522"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(2, 1, 2)]
    assert "`./`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("COPY a b", [2]),
        ("COPY a ./", [2]),
        ("COPY a .", [2]),
        ("COPY a b/c/", [2]),
        ("ADD a.tgz vendor/", [2]),
        ('COPY ["a", "b c"]', [2]),
        ("COPY --from=build --chown=1 /out bin/", [2]),
        ("COPY a \\\n  b", [2]),
        ("COPY a /b", []),
        ('COPY ["a", "/b"]', []),
        ("COPY a $HOME/b", []),
        ("COPY a ${APP_DIR}", []),
        ("COPY a C:\\\\app", []),
        ("ADD https://example.com/a.tgz /opt/", []),
    ],
)
def test_destinations(instruction: str, expected: list[int]) -> None:
    text = f"FROM debian:bookworm-slim AS build\n{instruction}\n"
    assert lines(text, RULE, dedent=False) == expected


def test_workdir_set_before_the_copy() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY a b
        WORKDIR /app
        COPY c d
        """
    assert lines(text, RULE) == [2]


def test_relative_workdir_counts() -> None:
    text = """\
        FROM debian:bookworm-slim
        WORKDIR app
        COPY c d
        """
    assert lines(text, RULE) == []


def test_workdir_of_a_parent_stage_counts() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        WORKDIR /srv
        FROM base AS app
        COPY a b
        FROM debian:bookworm-slim
        COPY --from=app /srv/b c
        """
    assert lines(text, RULE) == [6]


def test_scratch_is_not_judged() -> None:
    text = """\
        FROM scratch AS files
        COPY a b
        FROM files
        COPY c d
        """
    assert lines(text, RULE) == []


def test_heredoc_destination() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY <<EOF etc/app.conf
        key = value
        EOF
        COPY <<EOF /etc/other.conf
        key = value
        EOF
        """
    assert lines(text, RULE) == [2]
