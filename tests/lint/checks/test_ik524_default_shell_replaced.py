"""IK524 default-shell-replaced: an ln that replaces /bin/sh."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK524"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [(2, 5, 2, 29)]
    assert "SHELL" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "run",
    [
        "RUN ln -s /bin/bash /bin/sh",
        "RUN ln -sf /bin/bash /bin/sh",
        "RUN ln -sf bash /bin/sh",
        "RUN ln -s -f -n /bin/bash /bin/sh",
        "RUN ln --symbolic --force /bin/bash /bin/sh",
        "RUN ln /bin/bash /bin/sh",
        "RUN ln -sf /bin/bash /usr/bin/sh",
        "RUN ln -sf /bin/bash /bin//sh",
        "RUN ln -sf /bin/zsh /bin/./sh",
        "RUN ln -sf -t /bin /opt/shells/sh",
        "RUN ln -sf --target-directory=/bin /opt/shells/sh",
        "RUN ln -sf -S .orig /bin/bash /bin/sh",
        "RUN rm /bin/sh && ln -s /bin/bash /bin/sh",
        "RUN sudo ln -sf /bin/bash /bin/sh",
    ],
)
def test_replacing_links(run: str) -> None:
    assert len(run_spans(RULE, run)) == 1


@pytest.mark.parametrize(
    "run",
    [
        "RUN ln -s /bin/sh /usr/local/bin/sh2",
        "RUN ln -s /bin/bash /usr/local/bin/sh",
        "RUN ln -sf /bin/bash /bin/",
        "RUN ln -sf -t /usr/local/bin /bin/sh",
        "RUN ln -s /bin/sh",
        "RUN echo ln -sf /bin/bash /bin/sh",
        "RUN cp /bin/bash /bin/sh.bak",
    ],
)
def test_other_links(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_spans_sh_dash_c_and_exec_form() -> None:
    assert run_spans(RULE, "RUN set -e; ln -sf bash /bin/sh") == [(2, 13, 32)]
    assert run_spans(RULE, "RUN bash -c 'ln -sf bash /bin/sh'") == [(2, 14, 33)]
    assert run_spans(RULE, 'RUN ["ln", "-sf", "bash", "/bin/sh"]') == [(2, 1, 37)]


def test_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN ln -sf bash /bin/sh
        FROM debian:bookworm-slim
        RUN ln -sf \\
              bash /bin/sh
        """
    assert lines(text, RULE) == [2, 4]
