"""IK402 unpinned-base-tag: FROM without a tag, or with :latest, and no digest."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK402"
DIGEST = "sha256:" + "0" * 64


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column) for f in found] == [(1, 1)]
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("base", "needle"),
    [
        ("alpine", "no tag"),
        ("alpine:latest", ":latest"),
        ("docker.io/library/alpine", "no tag"),
        ("localhost:5000/team/app", "no tag"),
        ("registry.example.com:443/app:latest", ":latest"),
        ("--platform=$BUILDPLATFORM golang", "no tag"),
    ],
)
def test_moving_tags(base: str, needle: str) -> None:
    found = hits(f"FROM {base}\n", RULE, dedent=False)
    assert [f.line for f in found] == [1]
    assert needle in found[0].message
    assert "digest" in found[0].message


def test_suggestion_keeps_the_registry() -> None:
    (finding,) = hits("FROM localhost:5000/team/app\n", RULE, dedent=False)
    assert "`localhost:5000/team/app:<version>`" in finding.message


@pytest.mark.parametrize(
    "base",
    [
        "alpine:3.20",
        f"alpine@{DIGEST}",
        f"alpine:latest@{DIGEST}",
        "localhost:5000/team/app:1.4",
        "scratch",
        "SCRATCH",
    ],
)
def test_pinned_or_not_an_image(base: str) -> None:
    assert lines(f"FROM {base}\n", RULE, dedent=False) == []


def test_every_stage_but_not_stage_references() -> None:
    text = """\
        FROM golang AS build
        RUN go build -o /app .

        FROM build AS test
        RUN go test ./...

        FROM debian:latest
        COPY --from=build /app /app
        """
    assert lines(text, RULE) == [1, 7]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("ARG BASE", []),
        ("ARG BASE=node", [2]),
        ("ARG BASE=node:20", []),
    ],
)
def test_build_arg_bases(args: str, expected: list[int]) -> None:
    assert lines(f"{args}\nFROM ${{BASE}}\n", RULE, dedent=False) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("ARG IMAGE=node\nARG TAG=latest", [3]),
        ("ARG IMAGE=node\nARG TAG=20-slim", []),
        ("ARG IMAGE=node\nARG TAG", []),
    ],
)
def test_image_and_tag_from_args(args: str, expected: list[int]) -> None:
    assert lines(f"{args}\nFROM ${{IMAGE}}:${{TAG}}\n", RULE, dedent=False) == expected


def test_position_is_the_from_line() -> None:
    text = """\
        # syntax=docker/dockerfile:1
        ARG V=3.20
        FROM alpine:${V} AS base
        FROM python \\
          AS app
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(4, 1, 4)]
