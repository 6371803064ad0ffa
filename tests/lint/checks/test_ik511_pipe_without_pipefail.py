"""IK511 pipe-without-pipefail: a pipe in a RUN hides the failure of its left side."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.dockerfile.shell import ShellParser
from imagekit.lint.checks.ik511_pipe_without_pipefail import sets_pipefail
from tests.support.lint import hits, lines, run_spans

RULE = "IK511"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(3, 5, 75)]
    assert "`curl` feeds a pipe ending in `tar`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN curl -fsS https://example.com/x | tar -x", [(2, 5, 45)]),
        ("RUN a | b | c && d", [(2, 5, 14)]),
        ("RUN a | b && c", [(2, 5, 10)]),
        ("RUN a | b | c", [(2, 5, 14)]),
        ("RUN make && curl x | sh", [(2, 13, 24)]),
        ("RUN a 2>&1 | tee log", [(2, 5, 21)]),
        ("RUN ! a | b", [(2, 7, 12)]),
        ("RUN (a && b) | c", [(2, 6, 17)]),
        ("RUN { a; b; } | c", [(2, 7, 18)]),
        ("RUN x=$(git describe | cut -c2-)", [(2, 9, 32)]),
        ("RUN a | b; c | d", [(2, 5, 10), (2, 12, 17)]),
        ("RUN curl x |\\\n  tar -x", [(2, 5, 9)]),
        ("RUN curl x | tar -x && set -o pipefail", [(2, 5, 20)]),
        ("RUN set -o pipefail; set +o pipefail; a | b", [(2, 39, 44)]),
        ("RUN set -e; a | b", [(2, 13, 18)]),
        ('RUN bash -c "a | b"', [(2, 14, 19)]),
        ('RUN ["sh", "-c", "curl x | tar -x"]', [(2, 19, 34)]),
        ("RUN echo ok | grep -q ok && a | b", [(2, 29, 34)]),
    ],
)
def test_pipes_without_pipefail(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN set -o pipefail && curl x | tar -x",
        "RUN set -eo pipefail; curl x | tar -x",
        "RUN set -euxo pipefail; curl x | tar -x",
        "RUN set -o errexit -o pipefail; a | b",
        "RUN bash -o pipefail -c 'curl x | tar -x'",
        'RUN ["bash", "-o", "pipefail", "-c", "curl x | tar -x"]',
        "RUN echo 'deb https://example.com/debian stable main' | tee /etc/apt/sources.list",
        "RUN printf '%s\\n' a b | sort",
        "RUN yes | apt-get install -y x",
        "RUN true | b",
        "RUN a || b",
        "RUN a && b; c",
        "RUN echo 'a | b'",
        'RUN ["curl", "x", "|", "tar"]',
        "RUN echo $(a) | b",
    ],
)
def test_no_pipe_or_pipefail_set(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_shell_with_pipefail_covers_later_runs_only() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN a | b
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        RUN c | d
        SHELL ["/bin/bash", "-c"]
        RUN e | f
        """
    assert lines(text, RULE) == [2, 6]


@pytest.mark.parametrize(
    "shell",
    [
        '["/bin/bash", "-o", "pipefail", "-c"]',
        '["/bin/bash", "-eo", "pipefail", "-c"]',
        '["/bin/ash", "-euo", "pipefail", "-c"]',
        '["bash", "-o", "errexit", "-o", "pipefail", "-c"]',
        '["/bin/zsh", "-o", "pipefail", "-c"]',
        '["/bin/sh", "-o", "pipefail", "-c"]',
        '["pwsh", "-Command"]',
        '["cmd", "/S", "/C"]',
    ],
)
def test_shells_that_leave_nothing_hidden(shell: str) -> None:
    text = f"FROM debian:bookworm-slim\nSHELL {shell}\nRUN curl x | tar -x\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize("shell", ['["/bin/ash", "-c"]', '["/bin/bash", "-e", "-c"]'])
def test_shells_without_pipefail(shell: str) -> None:
    text = f"FROM alpine:3.20\nSHELL {shell}\nRUN curl x | tar -x\n"
    assert lines(text, RULE, dedent=False) == [3]


def test_set_pipefail_lasts_for_its_own_run_only() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN set -o pipefail && a | b
        RUN c | d
        """
    assert lines(text, RULE) == [3]


def test_shell_carries_into_child_stage_but_not_into_others() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        FROM base AS child
        RUN a | b
        FROM debian:bookworm-slim
        RUN c | d
        """
    assert lines(text, RULE) == [6]


def test_heredoc_script() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN <<EOF
        curl -fsS https://example.com/key | gpg --dearmor -o /k.gpg
        set -o pipefail
        curl -fsS https://example.com/x | tar -x
        EOF
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(3, 1)]
    assert "ending in `gpg`" in found[0].message


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("-o", "pipefail"), True),
        (("-euxo", "pipefail"), True),
        (("+o", "pipefail"), False),
        (("-o", "pipefail", "+o", "pipefail"), False),
        (("-e",), None),
        (("-o", "errexit"), None),
        (("--", "pipefail"), None),
        (("-oe", "pipefail"), None),
    ],
)
def test_sets_pipefail(argv: tuple[str, ...], expected: bool | None) -> None:
    assert sets_pipefail(argv) is expected


def test_shell_model_pipeline_positions() -> None:
    script = ShellParser().parse_text("a | b | c; d; (e; f) | g; h=$(i | j)")
    assert [(c.name, c.pipeline) for c in script.commands] == [
        ("a", 2),
        ("b", 1),
        ("c", 0),
        ("d", -1),
        ("e", 1),
        ("f", 1),
        ("g", 0),
        ("i", 1),
        ("j", 0),
    ]
