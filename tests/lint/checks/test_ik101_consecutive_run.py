"""IK101 consecutive-run: neighbouring RUNs in a shipped stage."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK101"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    assert lines(rule.bad, RULE) == [3]
    assert lines(rule.good, RULE) == []


def test_every_following_run_is_reported_at_its_first_line() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN groupadd app
        RUN useradd -g app app \\
         && mkdir /data
        RUN chown app /data
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(3, 1, 3), (5, 1, 5)]
    assert "RUN on line 2" in found[0].message
    assert "RUN on line 3" in found[1].message
    assert "merge them into one RUN" in found[0].message


@pytest.mark.parametrize(
    "between",
    ["", "# create the user next\n", "\n\n", "# a\n\n# b\n"],
    ids=["nothing", "comment", "blank-lines", "comments-and-blanks"],
)
def test_comments_and_blank_lines_do_not_separate(between: str) -> None:
    text = f"FROM alpine:3.20\nRUN echo one\n{between}RUN echo two\n"
    assert lines(text, RULE, dedent=False) == [text.count("\n")]


@pytest.mark.parametrize(
    "between", ["ENV A=1", "WORKDIR /app", "COPY a /a", "USER nobody", "ONBUILD RUN echo x"]
)
def test_another_instruction_separates(between: str) -> None:
    text = f"FROM alpine:3.20\nRUN echo one\n{between}\nRUN echo two\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "second",
    [
        "RUN apk add --no-cache tzdata && echo done",
        "RUN echo a; echo b",
        'RUN ["/bin/echo", "exec form"]',
        "RUN <<EOF\nset -e\necho heredoc\nEOF",
        "RUN sh -c 'echo a && echo b'",
        "RUN if [ -f /x ]; then rm /x; fi",
    ],
    ids=["and-chain", "semicolons", "exec-form", "heredoc", "sh-c", "if"],
)
def test_runs_already_chained_still_count(second: str) -> None:
    text = f"FROM alpine:3.20\nRUN echo a && echo b\n{second}\n"
    assert lines(text, RULE, dedent=False) == [3]


def test_heredoc_run_followed_by_run() -> None:
    text = """\
        FROM alpine:3.20
        RUN <<EOF
        set -e
        apk add --no-cache curl
        EOF
        RUN curl --version
        """
    assert lines(text, RULE) == [6]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("--mount=type=cache,target=/root/.cache", "", []),
        ("--mount=type=secret,id=token", "--mount=type=cache,target=/x", []),
        ("--mount=type=cache,target=/x", "--mount=type=cache,target=/x", [3]),
        ("--mount=type=cache,target=/x", "--mount=target=/x,type=cache", [3]),
        ("--network=none", "", []),
        ("--network=none", "--network=none", [3]),
        ("--security=insecure", "", []),
    ],
)
def test_differing_mount_or_network_flags_keep_runs_apart(
    first: str, second: str, expected: list[int]
) -> None:
    text = f"FROM alpine:3.20\nRUN {first} echo one\nRUN {second} echo two\n"
    assert lines(text, RULE, dedent=False) == expected


def test_builder_stage_is_silent_and_shipped_chain_is_checked() -> None:
    text = """\
        FROM golang:1.22 AS build
        RUN go env
        RUN go build -o /app .

        FROM debian:bookworm-slim AS base
        RUN groupadd app
        RUN useradd -g app app

        FROM base
        COPY --from=build /app /app
        RUN echo one
        RUN echo two
        """
    assert lines(text, RULE) == [7, 12]


def test_target_decides_which_stages_ship() -> None:
    text = """\
        FROM alpine:3.20 AS tools
        RUN echo one
        RUN echo two

        FROM alpine:3.20
        RUN echo three
        RUN echo four
        """
    assert lines(text, RULE) == [7]
    assert lines(text, RULE, target="tools") == [3]


def test_runs_on_both_sides_of_from_are_not_neighbours() -> None:
    text = """\
        FROM alpine:3.20 AS base
        RUN echo one
        FROM base
        RUN echo two
        """
    assert lines(text, RULE) == []
