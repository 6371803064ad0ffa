"""IK510 last-user-root: the target stage ends as root."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK510"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(5, 1, 5)]
    assert "`root`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("root", [3]),
        ("0", [3]),
        ("root:root", [3]),
        ("0:0", [3]),
        ("root:app", [3]),
        ("app", []),
        ("10001", []),
        ("10001:0", []),
        ("app:root", []),
        ("$APP_UID", []),
        ("rooter", []),
    ],
)
def test_last_user_values(user: str, expected: list[int]) -> None:
    text = f'FROM debian:bookworm-slim\nUSER app\nUSER {user}\nCMD ["sh"]\n'
    assert lines(text, RULE, dedent=False) == expected


def test_no_user_at_all() -> None:
    assert lines('FROM debian:bookworm-slim\nCMD ["sh"]\n', RULE, dedent=False) == []


def test_root_then_back_to_a_user() -> None:
    text = """\
        FROM debian:bookworm-slim
        USER root
        RUN apt-get update
        USER 10001
        """
    assert lines(text, RULE) == []


def test_only_the_target_stage_and_its_parents() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        USER root
        FROM debian:bookworm-slim AS base
        USER 0
        FROM base AS app
        RUN ls
        FROM debian:bookworm-slim AS other
        USER 10001
        """
    assert lines(text, RULE) == []
    assert lines(text, RULE, target="app") == [4]
    assert lines(text, RULE, target="build") == [2]


def test_child_stage_overrides_parent() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        USER root
        FROM base
        USER 10001
        """
    assert lines(text, RULE) == []
