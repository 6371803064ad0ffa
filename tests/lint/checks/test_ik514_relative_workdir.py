"""IK514 relative-workdir: a WORKDIR given as a relative path."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik514_relative_workdir import is_absolute
from tests.support.lint import hits, lines, run_spans

RULE = "IK514"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 1, 12)]
    assert "WORKDIR `app` is relative" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "body",
    [
        "WORKDIR app",
        "WORKDIR ./app",
        "WORKDIR ../srv",
        'WORKDIR "app"',
        "WORKDIR ~/app",
        "WORKDIR app/$VERSION",
        "ENV APP_DIR=srv/app\nWORKDIR $APP_DIR",
        "ARG SUB=build\nWORKDIR ${SUB}/out",
        "workdir src",
    ],
)
def test_relative(body: str) -> None:
    assert len(run_spans(RULE, body)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "WORKDIR /app",
        'WORKDIR "/app"',
        "WORKDIR /",
        "WORKDIR C:\\app",
        "WORKDIR C:/app",
        "WORKDIR c:\\\\Users\\\\app",
        "WORKDIR \\app",
        "WORKDIR $HOME/app",
        "WORKDIR ${APP_HOME}",
        "ENV APP_HOME=/srv/app\nWORKDIR $APP_HOME",
        "ENV APP_HOME=/srv\nWORKDIR ${APP_HOME}/app",
        "WORKDIR",
    ],
)
def test_absolute_or_unknown(body: str) -> None:
    assert run_spans(RULE, body) == []


def test_message_shows_expanded_path() -> None:
    found = hits("FROM debian:bookworm-slim\nENV D=srv\nWORKDIR $D\n", RULE, dedent=False)
    assert [f.line for f in found] == [3]
    assert "`srv`" in found[0].message


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/a", True), ("C:\\a", True), ("d:/a", True), ("a", False), ("C:a", False), ("", False)],
)
def test_is_absolute(path: str, expected: bool) -> None:
    assert is_absolute(path) is expected


def test_every_stage() -> None:
    text = """\
        FROM golang:1.22 AS build
        WORKDIR src
        FROM debian:bookworm-slim
        WORKDIR /app
        WORKDIR data
        """
    assert lines(text, RULE) == [2, 5]
