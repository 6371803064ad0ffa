"""IK518 apt-instead-of-apt-get: the interactive ``apt`` front end in a RUN."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK518"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 15), (2, 19, 62)]
    assert "`apt update`" in found[0].message
    assert "`apt install`" in found[1].message
    assert all(f.message.endswith("use apt-get") for f in found)
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN apt install -y curl", [(2, 5, 24)]),
        ("RUN apt-get update && apt -y upgrade", [(2, 23, 37)]),
        ("RUN /usr/bin/apt remove -y x", [(2, 5, 29)]),
        ("RUN sudo apt update", [(2, 5, 20)]),
        ("RUN DEBIAN_FRONTEND=noninteractive apt install -y x", [(2, 5, 52)]),
        ('RUN sh -c "apt install -y x"', [(2, 12, 28)]),
        ('RUN ["apt", "install", "x"]', [(2, 1, 28)]),
        ("RUN apt", [(2, 5, 8)]),
        ("RUN apt update \\\n && apt install x", [(2, 5, 15), (3, 5, 18)]),
    ],
)
def test_apt_commands(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    ("run", "instead"),
    [
        ("RUN apt install x", "use apt-get"),
        ("RUN apt -o Debug::X=1 search x", "use apt-cache"),
        ("RUN apt show x", "use apt-cache"),
        ("RUN apt policy x", "use apt-cache"),
        ("RUN apt list --installed", "use dpkg-query or apt-cache"),
    ],
)
def test_message_names_the_scriptable_command(run: str, instead: str) -> None:
    found = hits("FROM debian:bookworm-slim\n" + run + "\n", RULE, dedent=False)
    assert len(found) == 1
    assert found[0].message.endswith(instead)


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get install -y apt",
        "RUN apt-get update && apt-cache policy x",
        "RUN apt-mark hold x",
        "RUN apt-key list",
        "RUN echo apt install x",
        "RUN ls /etc/apt",
        "RUN aptitude install x",
    ],
)
def test_not_apt(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_every_stage_and_heredoc() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN apt install -y build-essential
        FROM debian:bookworm-slim
        RUN <<EOF
        apt update
        EOF
        """
    assert lines(text, RULE) == [2, 5]
