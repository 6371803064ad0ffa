"""IK527 wget-without-progress: wget in a RUN with its default progress output."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK527"
URL = "https://downloads.example.com/a.tgz"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 57)]
    assert "--progress=dot:giga" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "start"),
    [
        (f"RUN wget {URL}", 5),
        (f"RUN wget -O /tmp/a.tgz {URL}", 5),
        (f"RUN wget -O/tmp/quux.tgz {URL}", 5),
        (f"RUN wget -c -t 3 {URL}", 5),
        (f"RUN wget -nc {URL}", 5),
        (f"RUN apt-get update && wget {URL}", 23),
        (f"RUN /usr/bin/wget {URL}", 5),
        (f"RUN wget {URL} -- -q", 5),
    ],
)
def test_noisy_wget(run: str, start: int) -> None:
    """The finding covers the wget command, which ends the line here."""
    assert run_spans(RULE, run) == [(2, start, len(run) + 1)]


@pytest.mark.parametrize(
    "run",
    [
        f"RUN wget -q {URL}",
        f"RUN wget --quiet {URL}",
        f"RUN wget -qO- {URL} | tar -xz",
        f"RUN wget -O- -q {URL}",
        f"RUN wget -nv {URL}",
        f"RUN wget --no-verbose {URL}",
        f"RUN wget --progress=dot:giga {URL}",
        f"RUN wget --progress dot:mega {URL}",
        f"RUN wget -o /tmp/wget.log {URL}",
        f"RUN wget -a /tmp/wget.log {URL}",
        f"RUN wget --output-file=/tmp/wget.log {URL}",
        f"RUN curl -fsSLO {URL}",
        "RUN apt-get install -y wget",
        "RUN echo wget",
    ],
)
def test_quiet_wget_or_no_wget(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_exec_form_and_sh_dash_c() -> None:
    exec_form = f'RUN ["wget", "{URL}"]'
    assert run_spans(RULE, exec_form) == [(2, 1, len(exec_form) + 1)]
    assert run_spans(RULE, f'RUN ["wget", "-q", "{URL}"]') == []
    assert run_spans(RULE, f"RUN sh -c 'wget {URL}'") == [(2, 12, 12 + len(f"wget {URL}"))]


def test_continuation_heredoc_and_every_stage() -> None:
    text = f"""\
        FROM alpine:3.20 AS fetch
        RUN wget \\
              {URL}
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        wget -q {URL}
        wget {URL}
        EOF
        """
    assert lines(text, RULE) == [2, 8]
