"""IK506 sudo-in-run: a command run through sudo in a RUN."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK506"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column) for f in found] == [(3, 5)]
    assert "`sudo mkdir`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN sudo apt-get update", [(2, 5, 24)]),
        ("RUN apt-get update && sudo apt-get install -y curl", [(2, 23, 51)]),
        ("RUN sudo -u app -E make install", [(2, 5, 32)]),
        ("RUN /usr/bin/sudo ls", [(2, 5, 21)]),
        ("RUN FOO=1 sudo make", [(2, 5, 20)]),
        ("RUN env A=1 sudo make", [(2, 5, 22)]),
        ("RUN sudo -v", [(2, 5, 12)]),
        ("RUN sudo", [(2, 5, 9)]),
        ("RUN echo ok | sudo tee /etc/motd", [(2, 15, 33)]),
        ("RUN sudo \\\n  ls", [(2, 5, 5)]),
    ],
)
def test_sudo_commands(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get install -y sudo",
        "RUN echo sudo",
        "RUN echo 'sudo ls'",
        "RUN SUDO=sudo make",
        "RUN make SUDO=sudo",
        "RUN usermod -aG sudo app",
        'RUN ["apt-get", "install", "-y", "sudo"]',
        "RUN pseudo ls",
    ],
)
def test_sudo_as_an_argument_or_a_name(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_quoting_and_sh_dash_c() -> None:
    assert run_spans(RULE, 'RUN sh -c "sudo ls /root"') == [(2, 12, 25)]
    assert run_spans(RULE, "RUN bash -c 'make && sudo make install'") == [(2, 22, 39)]
    assert run_spans(RULE, 'RUN ["sudo", "make", "install"]') == [(2, 1, 32)]
    assert run_spans(RULE, 'RUN ["sh", "-c", "sudo make"]') == [(2, 19, 28)]


def test_heredoc_script() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        sudo chown -R app /srv
        EOF
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 1)]
    assert "`sudo chown`" in found[0].message


def test_every_stage() -> None:
    text = """\
        FROM golang:1.22 AS build
        RUN sudo go build -o /app .
        FROM debian:bookworm-slim
        COPY --from=build /app /app
        RUN sudo ls
        """
    assert lines(text, RULE) == [2, 5]
