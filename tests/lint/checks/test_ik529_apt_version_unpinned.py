"""IK529 apt-version-unpinned: apt-get install of a package without =version."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, listed_names, run_spans

RULE = "IK529"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(3, 5, 3, 52)]
    assert "`curl`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "names"),
    [
        ("RUN apt-get install -y curl", ["curl"]),
        ("RUN apt-get install -y curl=7.88.1 git ca-certificates", ["git", "ca-certificates"]),
        ("RUN apt install -y curl", ["curl"]),
        ("RUN apt-get -y -o Dpkg::Options::=--force-confold install curl", ["curl"]),
        ("RUN apt-get install -y -t bookworm-backports curl", ["curl"]),
        ("RUN apt-get install -y curl/bookworm-backports", ["curl/bookworm-backports"]),
        ("RUN DEBIAN_FRONTEND=noninteractive apt-get install -y tzdata", ["tzdata"]),
    ],
)
def test_unpinned_packages(run: str, names: list[str]) -> None:
    assert listed_names(RULE, run) == names


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get install -y curl=7.88.1-10+deb12u8",
        "RUN apt-get install -y 'libssl3=3.0.*'",
        "RUN apt-get install -y ./vendor/tool_1.0_amd64.deb",
        "RUN apt-get install -y /tmp/tool.deb",
        "RUN apt-get install -y tool_1.0_amd64.deb",
        "RUN apt-get install -y $PACKAGES",
        'RUN apt-get install -y "${PKG}"',
        "RUN apt-get update",
        "RUN apt-get remove -y curl",
        "RUN apt-get -o Debug::pkgProblemResolver=yes install",
        "RUN echo apt-get install curl",
    ],
)
def test_pinned_or_not_judged(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_span_exec_form_and_sh_dash_c() -> None:
    assert run_spans(RULE, "RUN apt-get update && apt-get install -y curl") == [(2, 23, 46)]
    exec_form = 'RUN ["apt-get", "install", "-y", "curl"]'
    assert run_spans(RULE, exec_form) == [(2, 1, len(exec_form) + 1)]
    assert run_spans(RULE, "RUN sh -c 'apt-get install -y curl'") == [(2, 12, 35)]


def test_heredoc_and_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN apt-get install -y gcc=4:12.2.0-3
        FROM debian:bookworm-slim
        RUN <<EOF
        apt-get update
        apt-get install -y \\
            curl
        EOF
        """
    assert lines(text, RULE) == [6]
