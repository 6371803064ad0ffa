"""IK505 shell-form-entrypoint: the image's CMD or ENTRYPOINT in shell form."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK505"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(3, 1, 3)]
    assert "`/bin/sh -c`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("CMD python app.py", [2]),
        ("cmd python app.py", [2]),
        ("ENTRYPOINT /entry.sh", [2]),
        ('CMD ["python", "app.py"]', []),
        ('ENTRYPOINT ["/entry.sh"]', []),
        ("CMD []", []),
        # exec-form ENTRYPOINT, shell-form CMD: the CMD still runs under sh -c.
        ('ENTRYPOINT ["tini", "--"]\nCMD python app.py', [3]),
        # shell-form ENTRYPOINT ignores CMD: only the ENTRYPOINT is reported.
        ("ENTRYPOINT /entry.sh\nCMD serve", [2]),
        ('ENTRYPOINT /entry.sh\nCMD ["serve"]', [2]),
        # only the last one counts.
        ('CMD python app.py\nCMD ["python", "app.py"]', []),
        ('CMD ["python", "app.py"]\nCMD python app.py', [3]),
    ],
)
def test_forms(tail: str, expected: list[int]) -> None:
    text = f"FROM python:3.12-slim\n{tail}\n"
    assert lines(text, RULE, dedent=False) == expected


def test_entrypoint_message_mentions_ignored_cmd() -> None:
    (finding,) = hits("FROM alpine:3.20\nENTRYPOINT run.sh --x\n", RULE, dedent=False)
    assert "ignores CMD" in finding.message
    assert 'ENTRYPOINT ["program", "arg"]' in finding.message


def test_builder_stages_are_not_judged() -> None:
    text = """\
        FROM golang:1.22 AS build
        CMD go test ./...

        FROM gcr.io/distroless/static-debian12
        COPY --from=build /app /app
        ENTRYPOINT ["/app"]
        """
    assert lines(text, RULE) == []


def test_target_stage_is_judged() -> None:
    text = """\
        FROM debian:bookworm-slim AS debug
        CMD bash

        FROM debian:bookworm-slim
        CMD ["sleep", "infinity"]
        """
    assert lines(text, RULE) == []
    assert lines(text, RULE, target="debug") == [2]


def test_inherited_from_an_earlier_stage() -> None:
    text = """\
        FROM python:3.12-slim AS base
        CMD python -m app

        FROM base
        COPY app/ /app/
        """
    assert lines(text, RULE) == [2]


def test_entrypoint_clears_an_inherited_cmd() -> None:
    text = """\
        FROM python:3.12-slim AS base
        CMD python -m app

        FROM base
        ENTRYPOINT ["python", "-m", "app"]
        """
    assert lines(text, RULE) == []


def test_cmd_of_the_same_stage_survives_a_later_entrypoint() -> None:
    text = """\
        FROM python:3.12-slim
        CMD python -m app
        ENTRYPOINT ["tini", "--"]
        """
    assert lines(text, RULE) == [2]


def test_message_names_the_stage_shell() -> None:
    text = """\
        FROM debian:bookworm-slim
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        CMD echo hi | cat
        """
    (finding,) = hits(text, RULE)
    assert "`/bin/bash -o pipefail -c`" in finding.message
    assert "needs /bin/bash" in finding.message
