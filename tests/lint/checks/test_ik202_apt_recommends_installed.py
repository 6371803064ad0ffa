"""IK202 apt-recommends-installed: apt-get install without --no-install-recommends."""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK202"


def _run(run: str) -> str:
    return f"FROM debian:bookworm-slim\nRUN {run}\n"


@pytest.mark.parametrize(
    "run",
    [
        "apt-get install -y curl",
        "apt install -y curl",
        "apt-get -y install curl",
        "apt-get -o Dpkg::Options::=--force-confold install -y curl",
        "apt-get install -y -o APT::Install-Recommends=true curl",
        "apt-get install -y -o APT::Install-Suggests=false curl",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y curl",
        "sudo apt-get install -y curl",
        "sh -c 'apt-get install -y curl'",
        # the option on another command does not cover this one
        "apt-get install -y --no-install-recommends curl && apt-get install -y git",
    ],
)
def test_flags_install_with_recommends(run: str) -> None:
    assert len(hits(_run(run), RULE)) == 1


@pytest.mark.parametrize(
    "run",
    [
        "apt-get install -y --no-install-recommends curl",
        "apt-get --no-install-recommends install -y curl",
        "apt install -y --no-install-recommends curl",
        "apt-get install -y -o APT::Install-Recommends=false curl",
        "apt-get install -y -o APT::Install-Recommends=0 curl",
        "apt-get install -y -o 'APT::Install-Recommends=no' curl",
        "apt-get install -y -oAPT::Install-Recommends=false curl",
        "apt-get install -y --option=APT::Install-Recommends=false curl",
        "apt-get install -y --option APT::Install-Recommends=0 curl",
        "apt-get install -y -o apt::install-recommends=False curl",
        # not an install
        "apt-get update",
        "apt-get remove -y curl",
        "apt-get upgrade -y",
        "apt-cache show curl",
    ],
)
def test_silent_without_recommends(run: str) -> None:
    assert hits(_run(run), RULE) == []


def test_each_install_is_reported_at_the_command() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends ca-certificates \\
         && apt-get install -y python3 \\
         && apt-get install -y git \\
         && rm -rf /var/lib/apt/lists/*
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 5), (5, 5)]
    assert "--no-install-recommends" in found[0].message
    assert "`apt-get install`" in found[0].message


def test_apt_conf_written_earlier_turns_recommends_off() -> None:
    text = """
        FROM debian:bookworm-slim AS base
        RUN echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/99no-recommends

        FROM base
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    """
    assert hits(text, RULE) == []


def test_apt_conf_in_heredoc_of_same_run() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN <<EOF
        echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99no-recommends
        apt-get install -y curl
        EOF
    """
    assert hits(text, RULE) == []


def test_apt_conf_written_after_the_install_does_not_count() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN apt-get install -y curl \\
         && echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/99no-recommends
        RUN apt-get install -y git
    """
    assert lines(text, RULE) == [2]


def test_apt_conf_turning_recommends_on_does_not_count() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN echo 'APT::Install-Recommends "1";' > /etc/apt/apt.conf.d/99recommends
        RUN apt-get install -y curl
    """
    assert lines(text, RULE) == [3]


def test_only_shipped_stages() -> None:
    text = """
        FROM debian:bookworm-slim AS build
        RUN apt-get install -y build-essential

        FROM debian:bookworm-slim
        COPY --from=build /usr/bin/make /usr/bin/make
        RUN apt-get install -y curl
    """
    assert lines(text, RULE) == [6]
    assert lines(text, RULE, target="build") == [2]


def test_cache_mount_does_not_exempt() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN --mount=type=cache,target=/var/cache/apt \\
            --mount=type=cache,target=/var/lib/apt/lists \\
            apt-get update && apt-get install -y curl
    """
    assert lines(text, RULE) == [4]
