"""IK526 invalid-label-key: LABEL keys outside Docker's key format."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik526_invalid_label_key import key_problem
from tests.support.lint import hits, lines

RULE = "IK526"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(2, 7, 2, 17)]
    assert "`Maintainer` holds upper-case letters" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "key",
    [
        "version",
        "a",
        "a1",
        "com.example.team",
        "com.example.build-date",
        "org.opencontainers.image.source",
        "org.label-schema.vcs-ref",
        "com.example.v2",
        "io.dockerx.thing",
    ],
)
def test_valid_keys(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("Maintainer", "upper-case"),
        ("com.Example.team", "upper-case"),
        ("build_date", "characters other than"),
        ("a b", "characters other than"),
        ("com.docker.compose.project", "reserved"),
        ("io.docker.thing", "reserved"),
        ("org.dockerproject.thing", "reserved"),
        ("COM.DOCKER.thing", "reserved"),
        ("1a", "begin with a letter"),
        ("-a", "begin with a letter"),
        (".a", "begin with a letter"),
        ("a-", "end with a letter or digit"),
        ("a.", "end with a letter or digit"),
        ("a..b", "`..` or `--`"),
        ("a--b", "`..` or `--`"),
        ("", "empty"),
    ],
)
def test_invalid_keys(key: str, problem: str) -> None:
    found = key_problem(key)
    assert found is not None and problem in found


def test_every_key_of_a_label_and_its_span() -> None:
    text = """\
        FROM debian:bookworm-slim
        LABEL version=1 Build_Date="2024" \\
              "my key"="x" com.example.ok=y
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 17, 27), (3, 7, 15)]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("LABEL $KEY=1", []),
        ("LABEL com.example.${NAME}=1", []),
        ("LABEL description This is an image", []),
        ("LABEL Description This is an image", [2]),
        ('LABEL org.opencontainers.image.title="app"', []),
    ],
)
def test_label_forms(label: str, expected: list[int]) -> None:
    assert lines(f"FROM debian:bookworm-slim\n{label}\n", RULE, dedent=False) == expected


def test_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        LABEL Stage=build
        FROM debian:bookworm-slim
        LABEL com.docker.extension=1
        """
    assert lines(text, RULE) == [2, 4]
