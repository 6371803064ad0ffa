"""IK528 constant-from-platform: FROM --platform with a constant value."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK528"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(1, 1, 49)]
    assert "`FROM --platform=linux/amd64`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "line",
    [
        "FROM --platform=linux/amd64 debian:bookworm-slim",
        "FROM --platform=linux/arm64/v8 debian:bookworm-slim AS base",
        "from --platform=linux/amd64 debian:bookworm-slim",
        "FROM --platform=windows/amd64 mcr.example.com/windows/nanoserver:ltsc2022",
    ],
)
def test_constant_platform(line: str) -> None:
    assert lines(line + "\n", RULE) == [1]


@pytest.mark.parametrize(
    "line",
    [
        "FROM debian:bookworm-slim",
        "FROM --platform=$BUILDPLATFORM debian:bookworm-slim",
        "FROM --platform=${TARGETPLATFORM} debian:bookworm-slim",
        "FROM --platform=$TARGETOS/$TARGETARCH debian:bookworm-slim",
    ],
)
def test_no_or_variable_platform(line: str) -> None:
    assert lines(line + "\n", RULE) == []


def test_build_arg_is_left_to_the_build() -> None:
    """hadolint reports this one; the arg can be set per build, so it is not judged."""
    text = """\
        ARG PLATFORM=linux/amd64
        FROM --platform=$PLATFORM debian:bookworm-slim
        """
    assert lines(text, RULE) == []


def test_every_stage_continuation_and_message() -> None:
    text = """\
        FROM --platform=$BUILDPLATFORM golang:1.22 AS build
        FROM --platform=linux/arm64 \\
             debian:bookworm-slim AS tools
        FROM --platform=linux/amd64 build AS final
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(2, 1, 2), (4, 1, 4)]
    assert "`FROM --platform=linux/arm64`" in found[0].message
