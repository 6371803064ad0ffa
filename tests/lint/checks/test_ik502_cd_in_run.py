"""IK502 cd-in-run: ``cd DIR`` in a RUN where WORKDIR fits."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK502"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(3, 5, 12)]
    assert "WORKDIR /app" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN cd /tmp && make", [(2, 5, 12)]),
        ("RUN cd /tmp", [(2, 5, 12)]),
        ("RUN make -C /x || cd /y", [(2, 19, 24)]),
        ("RUN { cd /srv; make; }", [(2, 7, 14)]),
        ("RUN cd -P /opt/app && ls", [(2, 5, 19)]),
        ('RUN cd "/opt/my app" && ls', [(2, 5, 21)]),
        ('RUN echo "(" && cd /a', [(2, 17, 22)]),
        ("RUN echo ')' && (echo \"a)\"; cd /b) && cd /c", [(2, 39, 44)]),
    ],
)
def test_cd_changes_the_directory_for_later_commands(
    run: str, expected: list[tuple[int, int, int]]
) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN (cd /tmp && make)",
        "RUN ( cd /tmp && make ) && ls",
        "RUN x=$(cd /tmp && pwd) && echo $x",
        'RUN echo "$(cd /g && pwd)"',
        "RUN x=`cd /f; pwd`",
        'RUN cd "$(mktemp -d)" && ls',
        "RUN cd - && ls",
        "RUN echo cd /tmp",
        "RUN make -C /src",
        'RUN ["make", "-C", "/src"]',
    ],
)
def test_scoped_or_not_nameable(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_sh_dash_c_scripts() -> None:
    assert run_spans(RULE, 'RUN sh -c "cd /tmp && make"') == [(2, 12, 19)]
    assert run_spans(RULE, "RUN sh -c '(cd /d && make) && cd /e'") == [(2, 31, 36)]
    assert run_spans(RULE, 'RUN ["sh", "-c", "cd /x && make"]') == [(2, 19, 24)]
    assert run_spans(RULE, 'RUN ["sh", "-c", "(cd /x && make)"]') == []


def test_heredoc_script() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        cd /build
        (cd /vendor && make)
        make install
        EOF
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 1)]


def test_comments_and_continuations() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN make \\
          # build the docs (slow
          && cd /docs && make html
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 6)]


def test_every_stage() -> None:
    text = """\
        FROM golang:1.22 AS build
        RUN cd /src && go build -o /app .
        FROM debian:bookworm-slim
        COPY --from=build /app /app
        RUN cd /etc && ls
        """
    assert lines(text, RULE) == [2, 5]


def test_non_posix_shell_is_not_judged() -> None:
    text = """\
        FROM mcr.microsoft.com/windows/servercore:ltsc2022
        SHELL ["powershell", "-Command"]
        RUN cd C:\\app; ls
        """
    assert lines(text, RULE) == []
