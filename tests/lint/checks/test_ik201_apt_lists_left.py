"""IK201 apt-lists-left: apt update/install in a RUN that keeps /var/lib/apt/lists."""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK201"


@pytest.mark.parametrize(
    "run",
    [
        "apt-get update",
        "apt-get update && apt-get install -y --no-install-recommends curl",
        "apt update && apt install -y curl",
        "apt-get -o Acquire::Retries=3 update",
        "apt-get install -y curl",
        "apt-get update && apt-get upgrade -y",
        # apt-get clean empties /var/cache/apt/archives, not the lists
        "apt-get update && apt-get install -y curl && apt-get clean",
        # removing another path must not silence the rule (hadolint's DL3009 is silenced)
        "apt-get update && apt-get install -y curl && rm -rf /tmp/*",
        "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/partial",
        # removal before the update does not help
        "rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl",
        "apt-get update && rm -rf /var/lib/apt/lists/* && apt-get update",
        "DEBIAN_FRONTEND=noninteractive apt-get update",
        "sudo apt-get update",
        "sh -c 'apt-get update && apt-get install -y curl'",
    ],
)
def test_flags_apt_without_list_removal(run: str) -> None:
    assert lines(f"FROM debian:bookworm-slim\nRUN {run}\n", RULE) == [2]


@pytest.mark.parametrize(
    "run",
    [
        "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
        "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists",
        "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt",
        "apt-get update && apt-get install -y curl && rm -rf '/var/lib/apt/lists/'*",
        "apt-get update && apt-get install -y curl && find /var/lib/apt/lists -type f -delete",
        "apt-get update && apt-get install -y curl; rm -rf /var/lib/apt/lists/*",
        "sh -c 'apt-get update && apt-get install -y curl' && rm -rf /var/lib/apt/lists/*",
        # not an update or install
        "apt-get clean",
        "apt-cache policy curl",
        "echo apt-get update",
    ],
)
def test_silent_when_lists_removed_or_no_apt(run: str) -> None:
    assert hits(f"FROM debian:bookworm-slim\nRUN {run}\n", RULE) == []


@pytest.mark.parametrize("target", ["/var/lib/apt/lists", "/var/lib/apt", "/var/lib/apt/lists/"])
def test_cache_mount_exempts(target: str) -> None:
    text = f"""
        FROM debian:bookworm-slim
        RUN --mount=type=cache,target={target},sharing=locked \\
            apt-get update && apt-get install -y curl
    """
    assert hits(text, RULE) == []


def test_bind_mount_does_not_exempt() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN --mount=type=bind,target=/var/lib/apt/lists apt-get update
    """
    assert lines(text, RULE) == [2]


def test_heredoc_body() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        apt-get update
        apt-get install -y --no-install-recommends curl
        EOF
        RUN <<EOF
        apt-get update
        rm -rf /var/lib/apt/lists/*
        EOF
    """
    assert lines(text, RULE) == [4]


def test_if_and_case_branches() -> None:
    text = """
        FROM debian:bookworm-slim
        ARG DEBUG
        RUN if [ -n "$DEBUG" ]; then apt-get update && apt-get install -y gdb; fi
        RUN case "$DEBUG" in \\
              1) apt-get update && apt-get install -y gdb && rm -rf /var/lib/apt/lists/* ;; \\
            esac
    """
    assert lines(text, RULE) == [3]


def test_position_points_at_first_apt_command() -> None:
    text = """
        FROM debian:bookworm-slim
        RUN set -eux; \\
            echo start; \\
            apt-get update; \\
            apt-get install -y curl
    """
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (4, 5)
    assert "/var/lib/apt/lists" in finding.message
    assert "apt-get clean" in finding.message


def test_only_shipped_stages() -> None:
    text = """
        FROM debian:bookworm-slim AS build
        RUN apt-get update && apt-get install -y gcc

        FROM debian:bookworm-slim AS base
        RUN apt-get update

        FROM base AS final
        COPY --from=build /usr/bin/gcc /usr/bin/gcc
        RUN apt-get install -y curl
    """
    # build is only copied from; base is the parent of the shipped stage
    assert lines(text, RULE) == [5, 9]
    assert lines(text, RULE, target="build") == [2]
    assert lines(text, RULE, target="base") == [5]
