"""IK525 pointless-command-in-container: commands that do nothing useful in a build."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK525"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(5, 5, 5, 24)]
    assert "`service`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN ps aux", [(2, 5, 11)]),
        ("RUN free -m", [(2, 5, 12)]),
        ("RUN top -b -n 1", [(2, 5, 16)]),
        ("RUN ifconfig -a", [(2, 5, 16)]),
        ("RUN mount", [(2, 5, 10)]),
        ("RUN shutdown -h now", [(2, 5, 20)]),
        ("RUN vim /etc/hosts", [(2, 5, 19)]),
        ("RUN ssh deploy@example.com uptime", [(2, 5, 34)]),
        ("RUN kill -9 1", [(2, 5, 14)]),
        ("RUN sudo kill 1", [(2, 5, 16)]),
        ("RUN service nginx start", [(2, 5, 24)]),
        ("RUN service nginx stop && echo done", [(2, 5, 23)]),
        ("RUN service --status-all", [(2, 5, 25)]),
        ("RUN make && ps aux | grep make", [(2, 13, 19)]),
        ("RUN /usr/bin/vim x", [(2, 5, 19)]),
    ],
)
def test_pointless(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get install -y vim openssh-client procps",
        "RUN echo ps top",
        "RUN command -v ps",
        "RUN which vim",
        "RUN vim +PlugInstall +qall",
        "RUN vim -es -u vimrc -c 'PlugInstall' -c qa",
        "RUN vim --version",
        "RUN service postgresql start && psql -c 'CREATE DATABASE app'",
        "RUN service mysql restart; mysql < /init.sql",
        "RUN mysqld & pid=$!; sleep 5; mysql < /init.sql; kill $pid",
        "RUN --mount=type=ssh ssh -T git@example.com",
        "RUN --mount=type=ssh,id=default ssh -o StrictHostKeyChecking=no git@example.com",
        "RUN trap 'kill 0' EXIT && make",
        "RUN psql -c 'select 1'",
    ],
)
def test_not_pointless(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_service_start_at_the_end_of_a_run() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN service postgresql start && psql -c 'CREATE DATABASE app'
        RUN psql -c 'CREATE TABLE t (id int)' && service postgresql start
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(3, 42)]
    assert "stops when the step ends" in found[0].message


def test_sh_dash_c_exec_form_and_heredoc() -> None:
    assert run_spans(RULE, "RUN sh -c 'ps aux'") == [(2, 12, 18)]
    assert run_spans(RULE, 'RUN ["ps", "aux"]') == [(2, 1, 18)]
    text = """\
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        free -m
        EOF
        """
    assert lines(text, RULE) == [4]


def test_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN ps aux
        FROM debian:bookworm-slim
        RUN top -bn1
        """
    assert lines(text, RULE) == [2, 4]
