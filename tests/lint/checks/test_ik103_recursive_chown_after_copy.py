"""IK103 recursive-chown-after-copy: chown -R / chmod -R over copied files."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK103"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [f.line for f in found] == [4]
    assert "`COPY --chown=app:app`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "command",
    [
        "chown -R app:app /srv/app",
        "chown --recursive app /srv/app",
        "chown -hR app /srv/app",
        "chown -Rv app:app /srv/app/",
        "sudo chown -R app /srv/app",
        "sudo -u root chown -R app /srv/app",
        "chmod -R 755 /srv/app",
        "chmod -R u+rwX,go+rX /srv/app",
        "chmod --recursive a-w /srv/app",
        "chmod -R -w /srv/app",
        "chown -R app /srv",
        "chown -R app /srv/app/static",
        "chown -R --from=root app:app /srv/app",
        "chown -R --reference=/etc/passwd /srv/app",
    ],
)
def test_recursive_change_over_a_copied_tree(command: str) -> None:
    text = f"FROM base:1\nCOPY src/ /srv/app/\nRUN {command}\n"
    found = hits(text, RULE, dedent=False)
    assert [f.line for f in found] == [3]
    assert "COPY on line 2" in found[0].message
    assert "second time" in found[0].message


@pytest.mark.parametrize(
    "command",
    [
        "chown app:app /srv/app",
        "chmod 755 /srv/app",
        "chown -R app /var/lib/app",
        "chown -R app /srv/other",
        "chgrp -R app /srv/app",
        "find /srv/app -type d -exec chmod 755 {} +",
    ],
)
def test_not_recursive_or_not_over_copied_files(command: str) -> None:
    text = f"FROM base:1\nCOPY src/ /srv/app/\nRUN {command}\n"
    assert lines(text, RULE, dedent=False) == []


def test_chown_before_the_copy_is_fine() -> None:
    text = """\
        FROM base:1
        RUN mkdir /srv/app && chown -R app /srv/app
        COPY --chown=app src/ /srv/app/
        """
    assert lines(text, RULE) == []


def test_suggestion_names_the_owner_or_mode() -> None:
    text = """\
        FROM base:1
        ADD app.tar.gz /opt/
        COPY bin/ /usr/local/bin/
        RUN chown -R app:staff /opt
        RUN chmod -R 0755 /usr/local/bin
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [4, 5]
    assert "`ADD --chown=app:staff`" in found[0].message
    assert "ADD on line 2" in found[0].message
    assert "`COPY --chmod=0755`" in found[1].message


@pytest.mark.parametrize(
    ("workdir", "copy", "command"),
    [
        ("/app", "COPY . .", "chown -R app ."),
        ("/app", "COPY . ./", "chown -R app /app"),
        ("/app", "COPY src/ ./src/", "chown -R app src"),
        ("/app", "COPY src/ src", "cd src && chmod -R g+w ."),
        ("/srv", "COPY src/ app/", "chown -R app /srv/app/static"),
    ],
)
def test_relative_paths_resolve_against_workdir(workdir: str, copy: str, command: str) -> None:
    text = f"FROM base:1\nWORKDIR {workdir}\n{copy}\nRUN {command}\n"
    assert lines(text, RULE, dedent=False) == [4]


def test_copied_file_and_its_neighbours() -> None:
    text = """\
        FROM eclipse-temurin:21-jre
        COPY app.jar /opt/app/
        RUN mkdir /opt/app/logs && chown -R app /opt/app/logs
        RUN chown -R app /opt/app
        """
    assert lines(text, RULE) == [4]


def test_copy_to_root_does_not_cover_everything_below() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY rootfs/ /
        RUN chown -R www-data /var/www
        """
    assert lines(text, RULE) == []


def test_position_inside_multi_line_run_and_shell_forms() -> None:
    text = """\
        FROM base:1
        COPY src/ /srv/app/
        RUN useradd app \\
         && chown -R app:app /srv/app
        RUN sh -c 'chmod -R a+rX /srv/app'
        RUN <<EOF
        set -e
        if [ -d /srv/app ]; then chown -R app /srv/app; fi
        EOF
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [
        (4, 5, 30),
        (5, 12, 34),
        (8, 26, 47),
    ]


def test_builder_stages_are_silent_and_the_lineage_counts() -> None:
    text = """\
        FROM golang:1.22 AS build
        COPY . /src
        RUN chown -R nobody /src

        FROM debian:bookworm-slim AS base
        COPY --from=build /src/bin/ /opt/app/

        FROM base
        RUN chown -R nobody /opt/app
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [9]
    assert "COPY on line 6" in found[0].message
    assert lines(text, RULE, target="build") == [3]
