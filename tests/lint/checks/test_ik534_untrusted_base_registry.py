"""IK534 untrusted-base-registry: a FROM image from a registry outside the trusted list."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik534_untrusted_base_registry import canonical, is_trusted
from tests.support.lint import hits, lines

RULE = "IK534"
TRUSTED = ("registry.example.com",)


def _lines(text: str, trusted: tuple[str, ...] = TRUSTED) -> list[int]:
    return lines(text, RULE, trusted_registries=trusted)


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE, trusted_registries=TRUSTED)
    assert [(f.line, f.column, f.end_column) for f in found] == [(1, 1, 22)]
    assert "Docker Hub (docker.io)" in found[0].message
    assert "registry.example.com" in found[0].message
    assert _lines(rule.good) == []


def test_silent_without_a_configured_list() -> None:
    rule = load_catalog().get(RULE)
    assert lines(rule.bad, RULE) == []
    assert _lines("FROM quay.example.org/team/app:1.0\n", trusted=()) == []


@pytest.mark.parametrize(
    ("image", "trusted"),
    [
        ("debian:bookworm-slim", TRUSTED),
        ("library/debian:bookworm-slim", TRUSTED),
        ("team/app:1.0", TRUSTED),
        ("quay.example.org/team/app:1.0", TRUSTED),
        ("registry.example.com:5000/team/app:1.0", TRUSTED),
        ("registry.example.com.evil.example.net/app:1.0", TRUSTED),
        ("localhost/app:1.0", TRUSTED),
        ("localhost:5000/app:1.0", TRUSTED),
        ("example.com/app:1.0", ("*.example.com",)),
        ("registry.example.net/app:1.0", ("*.example.com",)),
        ("evilexample.com/app:1.0", ("*.example.com",)),
        ("registry.example.com/app:1.0", ("docker.io",)),
    ],
)
def test_untrusted(image: str, trusted: tuple[str, ...]) -> None:
    assert _lines(f"FROM {image}\n", trusted) == [1]


@pytest.mark.parametrize(
    ("image", "trusted"),
    [
        ("registry.example.com/mirror/debian:bookworm-slim", TRUSTED),
        ("Registry.Example.COM/mirror/debian:bookworm-slim", TRUSTED),
        ("registry.example.com/app@sha256:" + "a" * 64, TRUSTED),
        ("registry.example.com:5000/app:1.0", ("registry.example.com:5000",)),
        ("debian:bookworm-slim", ("docker.io",)),
        ("debian:bookworm-slim", ("index.docker.io",)),
        ("docker.io/library/debian:bookworm-slim", ("docker.io",)),
        ("index.docker.io/library/debian:bookworm-slim", ("docker.io",)),
        ("registry-1.docker.io/library/debian:bookworm-slim", ("docker.io",)),
        ("eu.registry.example.com/app:1.0", ("*.example.com",)),
        ("a.b.example.com/app:1.0", ("*.example.com",)),
        ("localhost:5000/app:1.0", ("localhost:5000",)),
        ("quay.example.org/team/app:1.0", ("*",)),
        ("scratch", TRUSTED),
    ],
)
def test_trusted(image: str, trusted: tuple[str, ...]) -> None:
    assert _lines(f"FROM {image}\n", trusted) == []


def test_stages_and_build_args() -> None:
    text = """\
        ARG MIRROR=registry.example.com/mirror
        ARG UPSTREAM=quay.example.org
        ARG UNSET
        FROM ${MIRROR}/golang:1.22 AS build
        FROM ${UPSTREAM}/team/tools:1.0 AS tools
        FROM ${UNSET}/app:1.0 AS unknown
        FROM build AS again
        FROM scratch
        COPY --from=build /app /app
        """
    found = hits(text, RULE, trusted_registries=TRUSTED)
    assert [f.line for f in found] == [5]
    assert "`quay.example.org`" in found[0].message
    assert "`quay.example.org/team/tools:1.0`" in found[0].message


def test_every_stage_is_judged() -> None:
    text = """\
        FROM golang:1.22 AS build
        FROM registry.example.com/distroless/static:nonroot
        COPY --from=build /app /app
        """
    assert _lines(text) == [1]


@pytest.mark.parametrize(
    ("registry", "expected"),
    [
        ("docker.io", "docker.io"),
        ("INDEX.DOCKER.IO", "docker.io"),
        ("registry-1.docker.io/", "docker.io"),
        (" Registry.Example.com:5000 ", "registry.example.com:5000"),
    ],
)
def test_canonical(registry: str, expected: str) -> None:
    assert canonical(registry) == expected


def test_wildcard_needs_a_dot_boundary() -> None:
    assert is_trusted("a.example.com", ("*.example.com",))
    assert not is_trusted("example.com", ("*.example.com",))
    assert not is_trusted("badexample.com", ("*.example.com",))
