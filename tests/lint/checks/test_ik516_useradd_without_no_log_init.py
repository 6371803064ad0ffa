"""IK516 useradd-without-no-log-init: useradd with a high UID and without ``-l``."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik516_useradd_without_no_log_init import (
    adduser_uid_value,
    busybox_adduser,
    uid_value,
)
from tests.support.lint import hits, lines, run_spans

RULE = "IK516"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 41)]
    assert "UID 1000000" in found[0].message
    assert "324 MB" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN useradd -u 100000 app", [(2, 5, 26)]),
        ("RUN useradd -u 65536 app", [(2, 5, 25)]),
        ("RUN useradd --uid 1000000 app", [(2, 5, 30)]),
        ("RUN useradd --uid=1000000 app", [(2, 5, 30)]),
        ("RUN useradd -u1000000 app", [(2, 5, 26)]),
        ("RUN useradd -ou 1000000 app", [(2, 5, 28)]),
        ("RUN useradd -m -s /bin/sh -u 1000000 app", [(2, 5, 41)]),
        ("RUN groupadd -g 1000000 app && useradd -g app -u 1000000 app", [(2, 32, 61)]),
        ("RUN sudo /usr/sbin/useradd -u 1000000 app", [(2, 5, 42)]),
        ('RUN sh -c "useradd -u 1000000 app"', [(2, 12, 34)]),
        ('RUN ["useradd", "-u", "1000000", "app"]', [(2, 1, 40)]),
        ("ARG APP_UID=1000000\nRUN useradd -u $APP_UID app", [(3, 5, 28)]),
    ],
)
def test_high_uid_without_no_log_init(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN useradd -l -u 1000000 app",
        "RUN useradd --no-log-init -u 1000000 app",
        "RUN useradd -lu 1000000 app",
        "RUN useradd -u 1000000 -lm app",
        "RUN useradd -u 65535 app",
        "RUN useradd -u 10001 app",
        "RUN useradd app",
        "RUN useradd -u $APP_UID app",
        "RUN useradd -g 1000000 app",
        "RUN groupadd -g 1000000 app",
        "RUN echo useradd -u 1000000 app",
    ],
)
def test_not_reported(run: str) -> None:
    assert run_spans(RULE, run) == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("-u", "7"), "7"),
        (("--uid", "7"), "7"),
        (("--uid=7",), "7"),
        (("-u7",), "7"),
        (("-mu", "7"), "7"),
        (("-g", "-u", "app"), None),
        (("-s", "/bin/sh", "-u", "7", "app"), "7"),
        (("-u",), None),
        (("--", "-u", "7"), None),
        (("app",), None),
    ],
)
def test_uid_value(argv: tuple[str, ...], expected: str | None) -> None:
    assert uid_value(argv) == expected


def test_every_stage_and_heredoc() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN useradd -u 2000000 builder
        FROM debian:bookworm-slim
        RUN <<EOF
        set -e
        useradd --uid 3000000 app
        EOF
        """
    assert lines(text, RULE) == [2, 6]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN adduser --uid 1000000 app", [(2, 5, 30)]),
        ("RUN adduser --uid=1000000 app", [(2, 5, 30)]),
        ("RUN adduser -u 1000000 app", [(2, 5, 27)]),
        ("RUN adduser -uid 1000000 app", [(2, 5, 29)]),
        ('RUN adduser --disabled-password --gecos "" --uid 65536 app', [(2, 5, 59)]),
        ("RUN adduser --system --uid 1000000 --no-create-home app", [(2, 5, 56)]),
        ("RUN adduser --shell /bin/sh --home /app --uid 1000000 app", [(2, 5, 58)]),
        ("ENV APP_UID=2000000\nRUN adduser --uid $APP_UID app", [(3, 5, 31)]),
    ],
)
def test_debian_adduser_high_uid(run: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, run) == expected


def test_debian_adduser_message_points_to_useradd() -> None:
    found = hits("FROM debian:bullseye-slim\nRUN adduser --uid 1000000 app\n", RULE)
    assert len(found) == 1
    assert found[0].message.startswith("`adduser` with UID 1000000")
    assert "`useradd --no-log-init`" in found[0].message


@pytest.mark.parametrize(
    "run",
    [
        # BusyBox adduser writes /etc/passwd itself and no lastlog or faillog.
        "RUN adduser -D -u 1000000 app",
        "RUN adduser -u 1000000 -D app",
        "RUN adduser -DH -u 1000000 app",
        "RUN adduser -Du 1000000 app",
        "RUN adduser -S -u 1000000 app",
        "RUN adduser -u 1000000 -G app -h /app app",
        "RUN adduser -u 1000000 -s /bin/sh app",
        # Debian adduser below the threshold or without a UID.
        "RUN adduser --uid 65535 app",
        "RUN adduser --disabled-password app",
        "RUN adduser --gid 1000000 app",
        "RUN adduser --uid $APP_UID app",
        "RUN echo adduser --uid 1000000 app",
    ],
)
def test_adduser_not_reported(run: str) -> None:
    assert run_spans(RULE, run) == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("--uid", "7"), "7"),
        (("--uid=7",), "7"),
        (("-u", "7"), "7"),
        (("-uid", "7"), "7"),
        (("-uid=7",), "7"),
        (("--gid", "7", "app"), None),
        (("--uid",), None),
        (("--", "--uid", "7"), None),
        (("--uidx", "7"), None),
    ],
)
def test_adduser_uid_value(argv: tuple[str, ...], expected: str | None) -> None:
    assert adduser_uid_value(argv) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("-D", "app"), True),
        (("-DH", "app"), True),
        (("-Du", "7", "app"), True),
        (("-Dh/app", "app"), True),
        (("-G", "wheel", "app"), True),
        (("-k", "/etc/skel", "app"), True),
        (("-u", "7", "app"), False),
        (("--uid", "7", "app"), False),
        (("-shell", "/bin/sh", "app"), False),
        (("-system", "app"), False),
        (("-uid", "7", "app"), False),
        (("--", "-D"), False),
    ],
)
def test_busybox_adduser(argv: tuple[str, ...], expected: bool) -> None:
    assert busybox_adduser(argv) is expected
