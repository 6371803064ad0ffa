"""IK509 apt-get-upgrade: upgrading every package in a RUN."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK509"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(3, 5, 23)]
    assert "`apt-get upgrade`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN apt-get upgrade", [(2, 5, 20)]),
        ("RUN apt-get -y upgrade", [(2, 5, 23)]),
        ("RUN apt-get -o Dpkg::Use-Pty=0 dist-upgrade", [(2, 5, 44)]),
        ("RUN apt-get update && apt-get full-upgrade -y", [(2, 23, 46)]),
        ("RUN apt upgrade -y", [(2, 5, 19)]),
        ("RUN DEBIAN_FRONTEND=noninteractive apt-get -qq upgrade", [(2, 5, 55)]),
        ("RUN sudo apt-get upgrade", [(2, 5, 25)]),
    ],
)
def test_upgrades(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get update",
        "RUN apt-get install -y upgrade",
        "RUN apt-get install -y --only-upgrade openssl",
        "RUN echo apt-get upgrade",
        "RUN pip install --upgrade pip",
        "RUN apk upgrade --no-cache",
        "RUN apt-get -o APT::Get::upgrade=1 install -y curl",
    ],
)
def test_not_an_upgrade_of_everything(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_quoting_sh_dash_c_and_exec_form() -> None:
    assert run_spans(RULE, "RUN sh -c 'apt-get update && apt-get upgrade -y'") == [(2, 30, 48)]
    assert run_spans(RULE, 'RUN ["apt-get", "dist-upgrade", "-y"]') == [(2, 1, 38)]
    assert run_spans(RULE, 'RUN ["sh", "-c", "apt-get upgrade"]') == [(2, 19, 34)]


def test_heredoc_script() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        apt-get update
        apt-get upgrade -y
        EOF
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(5, 1)]


def test_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN apt-get upgrade -y
        FROM debian:bookworm-slim
        RUN apt full-upgrade -y
        """
    assert lines(text, RULE) == [2, 4]
