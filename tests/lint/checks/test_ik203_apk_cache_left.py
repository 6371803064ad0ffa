"""IK203 apk-cache-left: apk stores its index in /var/cache/apk and the RUN keeps it.

Decision: ``apk update`` (and ``apk add``/``apk upgrade``) without ``--no-cache`` is flagged
even when the following ``apk add`` has ``--no-cache``, because the index fetched by the
update stays in /var/cache/apk. One finding per RUN, at the first such command.
"""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK203"


def _run(run: str) -> str:
    return f"FROM alpine:3.20\nRUN {run}\n"


@pytest.mark.parametrize(
    ("run", "command"),
    [
        ("apk add tzdata", "apk add"),
        ("apk add --update tzdata", "apk add"),
        ("apk --update add tzdata", "apk add"),
        ("apk -U add tzdata", "apk add"),
        ("apk -X https://dl-cdn.alpinelinux.org/alpine/edge/testing add foo", "apk add"),
        ("apk upgrade", "apk upgrade"),
        ("apk update", "apk update"),
        ("apk update && apk add --no-cache tzdata", "apk update"),
        ("apk update && apk add tzdata", "apk update"),
        ("apk add --virtual .build gcc && apk del .build", "apk add"),
        ("apk add tzdata && rm -rf /tmp/*", "apk add"),
        ("apk add tzdata && rm -rf /var/cache/apk/APKINDEX.abc.tar.gz", "apk add"),
        ("rm -rf /var/cache/apk/* && apk add tzdata", "apk add"),
        ("sh -c 'apk add tzdata'", "apk add"),
    ],
)
def test_flags_apk_leaving_index(run: str, command: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 2
    assert f"`{command}`" in finding.message
    assert "/var/cache/apk" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "apk add --no-cache tzdata",
        "apk --no-cache add tzdata",
        "apk add --no-cache --update tzdata",
        "apk add --no-cache --virtual .build gcc && apk del .build",
        "apk update && apk add tzdata && rm -rf /var/cache/apk/*",
        "apk add tzdata && rm -rf /var/cache/apk",
        "apk add tzdata && rm -rf /var/cache",
        "apk update && apk add --no-cache tzdata; rm -rf /var/cache/apk/*",
        "apk --no-cache upgrade",
        "apk del curl",
        "apk info",
        "echo apk add tzdata",
    ],
)
def test_silent_without_cached_index(run: str) -> None:
    assert hits(_run(run), RULE) == []


def test_cache_mount_exempts() -> None:
    text = """
        FROM alpine:3.20
        RUN --mount=type=cache,target=/var/cache/apk apk update && apk add tzdata
        RUN --mount=type=cache,target=/var/cache/apt apk add tzdata
    """
    assert lines(text, RULE) == [3]


def test_heredoc_and_position() -> None:
    text = """
        FROM alpine:3.20
        RUN <<EOF
        set -e
        apk add --no-cache ca-certificates
        apk update
        apk add curl
        EOF
    """
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (5, 1)


def test_multi_line_run_position() -> None:
    text = """
        FROM alpine:3.20
        RUN set -e \\
         && apk add --no-cache ca-certificates \\
         && apk add curl
    """
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (4, 5)


def test_only_shipped_stages() -> None:
    text = """
        FROM alpine:3.20 AS build
        RUN apk add go

        FROM alpine:3.20 AS base
        RUN apk add tzdata

        FROM base
        COPY --from=build /usr/lib/go /usr/lib/go
    """
    assert lines(text, RULE) == [5]
    assert lines(text, RULE, target="build") == [2]
