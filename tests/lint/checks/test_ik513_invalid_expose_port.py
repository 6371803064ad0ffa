"""IK513 invalid-expose-port: an EXPOSE value that is not a port, range or protocol."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik513_invalid_expose_port import port_problem
from tests.support.lint import hits, lines, run_spans

RULE = "IK513"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 15, 20)]
    assert "EXPOSE `80800`" in found[0].message
    assert "65535" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "value",
    ["0", "80", "65535", "80/tcp", "53/udp", "80/TCP", "9/sctp", "8000-8010", "8000-8010/udp"],
)
def test_valid_values(value: str) -> None:
    assert port_problem(value) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("65536", "0 to 65535"),
        ("99999/udp", "0 to 65535"),
        ("8000-70000", "0 to 65535"),
        ("9000-8000", "ends below its start"),
        ("80/xyz", "unknown protocol `xyz`"),
        ("8080:80", "docker run -p"),
        ("http", "not a port"),
        ("-1", "not a port"),
        ("80-", "not a port"),
        ("80/", "not a port"),
        ("", "not a port"),
    ],
)
def test_invalid_values(value: str, words: str) -> None:
    problem = port_problem(value)
    assert problem is not None
    assert words in problem


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("EXPOSE 70000", [(2, 8, 13)]),
        ("EXPOSE 80 70000 443 abc", [(2, 11, 16), (2, 21, 24)]),
        ("EXPOSE 80 \\\n  70000/tcp", [(3, 3, 12)]),
        ("ARG PORT=70000\nEXPOSE $PORT", [(3, 8, 13)]),
        ("ENV PORT=8080\nEXPOSE ${PORT}/bad", [(3, 8, 19)]),
    ],
)
def test_reported_values(body: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "EXPOSE 80 443/tcp 53/udp 8000-8010",
        "EXPOSE $PORT",
        "EXPOSE ${PORT}/udp",
        "EXPOSE ${PORT:-8080}",
        "ARG PORT=8080\nEXPOSE $PORT",
        "ENV PORT=9000\nEXPOSE ${PORT}-9010",
    ],
)
def test_values_not_reported(body: str) -> None:
    assert run_spans(RULE, body) == []


def test_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        EXPOSE 99999
        FROM debian:bookworm-slim
        EXPOSE 80 100000
        """
    assert lines(text, RULE) == [2, 4]
