"""IK531 apk-version-unpinned: apk add of a package without a version constraint."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, listed_names, run_spans

RULE = "IK531"
BASE = "FROM alpine:3.20\n"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 28)]
    assert "`curl`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "names"),
    [
        ("RUN apk add curl", ["curl"]),
        ("RUN apk add --no-cache curl=8.9.1-r2 git tzdata", ["git", "tzdata"]),
        ("RUN apk add --no-cache --virtual .build-deps gcc musl-dev", ["gcc", "musl-dev"]),
        ("RUN apk add -t .deps gcc", ["gcc"]),
        ("RUN apk -X https://mirror.example.com/alpine/edge/main add curl", ["curl"]),
        ("RUN apk --update add curl", ["curl"]),
    ],
)
def test_unpinned_packages(run: str, names: list[str]) -> None:
    assert listed_names(RULE, run, BASE) == names


@pytest.mark.parametrize(
    "run",
    [
        "RUN apk add --no-cache curl=8.9.1-r2",
        "RUN apk add --no-cache curl~8.9",
        "RUN apk add --no-cache 'curl>8.0'",
        "RUN apk add --no-cache 'curl<9'",
        "RUN apk add --no-cache --virtual .build-deps gcc=13.2.1_git20240309-r0",
        "RUN apk add --allow-untrusted /tmp/tool-1.0-r0.apk",
        "RUN apk add --allow-untrusted tool-1.0-r0.apk",
        "RUN apk add --no-cache $PACKAGES",
        "RUN apk update",
        "RUN apk del curl",
        "RUN apk add",
        "RUN echo apk add curl",
    ],
)
def test_pinned_or_not_judged(run: str) -> None:
    assert run_spans(RULE, run, BASE) == []


def test_span_exec_form_and_sh_dash_c() -> None:
    assert run_spans(RULE, "RUN apk update && apk add curl", BASE) == [(2, 19, 31)]
    exec_form = 'RUN ["apk", "add", "curl"]'
    assert run_spans(RULE, exec_form, BASE) == [(2, 1, len(exec_form) + 1)]
    assert run_spans(RULE, "RUN sh -c 'apk add curl'", BASE) == [(2, 12, 24)]


def test_heredoc_continuation_and_every_stage() -> None:
    text = """\
        FROM alpine:3.20 AS build
        RUN apk add --no-cache \\
            gcc
        FROM alpine:3.20
        RUN <<EOF
        apk add --no-cache ca-certificates=20240705-r0
        EOF
        """
    assert lines(text, RULE) == [2]
