"""IK401 fat-base-image: toolchain or full-size base under the shipped image."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK401"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column) for f in found] == [(1, 1)]
    assert "node:<version>-slim" in found[0].message
    assert "~310 MB" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("base", "saving"),
    [
        ("golang:1.22", "~280 MB"),
        ("golang:1.22-alpine", "~75 MB"),
        ("rust:1.79", "~470 MB"),
        ("rust:1.79-slim-bookworm", "~220 MB"),
        ("gradle:8-jdk21", "~240 MB"),
        ("maven:3-eclipse-temurin-21", "~120 MB"),
        ("eclipse-temurin:21", "~100 MB"),
        ("eclipse-temurin:21-jdk-alpine", "~100 MB"),
        ("openjdk:17", "~110 MB"),
        ("amazoncorretto:21", "~100 MB"),
        ("buildpack-deps:bookworm", "~280 MB"),
        ("node:20", "~310 MB"),
        ("node", "~310 MB"),
        ("node:20-bookworm", "~310 MB"),
        ("python:3.12", "~320 MB"),
        ("ruby:3.3", "~300 MB"),
        ("docker.io/library/node:20", "~310 MB"),
        ("mirror.example/library/python:3.12", "~320 MB"),
        ("public.ecr.aws/docker/library/ruby:3.3", "~300 MB"),
        ("node@sha256:" + "a" * 64, "~310 MB"),
    ],
)
def test_fat_bases(base: str, saving: str) -> None:
    found = hits(f'FROM {base}\nCMD ["true"]\n', RULE, dedent=False)
    assert [f.line for f in found] == [1]
    assert saving in found[0].message
    assert base in found[0].message


@pytest.mark.parametrize(
    "base",
    [
        "node:20-slim",
        "node:20-alpine3.20",
        "python:3.12-slim-bookworm",
        "ruby:3.3-alpine",
        "eclipse-temurin:21-jre",
        "eclipse-temurin:21-jre-alpine",
        "amazoncorretto:8-alpine-jre",
        "buildpack-deps:bookworm-curl",
        "buildpack-deps:scm",
        "debian:bookworm-slim",
        "gcr.io/distroless/static-debian12",
        "ghcr.io/acme/node:20",
        "scratch",
    ],
)
def test_small_or_unknown_bases(base: str) -> None:
    assert lines(f'FROM {base}\nCMD ["true"]\n', RULE, dedent=False) == []


def test_unresolved_base_is_not_judged() -> None:
    assert lines("ARG BASE\nFROM ${BASE}\n", RULE, dedent=False) == []
    assert lines("ARG BASE=golang:1.22\nFROM ${BASE}\n", RULE, dedent=False) == [2]


def test_builder_stage_on_a_toolchain_is_the_right_way() -> None:
    text = """\
        FROM golang:1.22 AS build
        RUN go build -o /app .

        FROM gcr.io/distroless/static-debian12
        COPY --from=build /app /app
        """
    assert lines(text, RULE) == []
    assert lines(text, RULE, target="build") == [1]


def test_reported_at_the_root_of_the_shipped_chain() -> None:
    text = """\
        FROM alpine:3.20 AS unrelated

        FROM python:3.12 AS base
        RUN pip install --no-cache-dir flask

        FROM base
        CMD ["flask", "run"]
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(3, 1, 3)]
    assert "python:<version>-slim" in found[0].message
