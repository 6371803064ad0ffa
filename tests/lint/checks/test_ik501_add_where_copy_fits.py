"""IK501 add-where-copy-fits: ADD of local files that are neither archives nor URLs."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK501"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column) for f in found] == [(2, 1), (3, 1)]
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "add",
    [
        "ADD app.py /app/",
        "ADD conf/ /etc/conf/",
        "ADD . /src",
        "ADD --chown=app:app bin/run /usr/local/bin/run",
        'ADD ["my file.txt", "/data/"]',
        "ADD bundle.zip /opt/",
        "add lower.txt /x",
    ],
)
def test_plain_local_sources(add: str) -> None:
    text = f"FROM debian:bookworm-slim\n{add}\n"
    (finding,) = hits(text, RULE, dedent=False)
    assert (finding.line, finding.column) == (2, 1)
    assert "COPY" in finding.message


@pytest.mark.parametrize(
    "add",
    [
        "ADD rootfs.tar.gz /",
        "ADD app.tgz /opt/",
        "ADD data.tar /data/",
        "ADD dist.tar.xz /opt/",
        "ADD layer.tar.zst /",
        "ADD blob.bz2 /opt/",
        "ADD ARCHIVE.TAR.GZ /opt/",
        "ADD https://example.com/tool /usr/local/bin/tool",
        "ADD --checksum=sha256:abc https://example.com/a.txt /a.txt",
        "ADD git@github.com:org/repo.git /src",
        "ADD https://github.com/org/repo.git#v1.0 /src",
        "ADD $ARTIFACT /opt/",
        "ADD ${ARTIFACT} /opt/",
        "ADD --from=build /out/app /app",
    ],
)
def test_archives_urls_and_unknowns(add: str) -> None:
    assert lines(f"FROM debian:bookworm-slim\n{add}\n", RULE, dedent=False) == []


def test_heredoc_source_is_left_alone() -> None:
    text = """\
        FROM debian:bookworm-slim
        ADD <<EOF /etc/motd
        hello
        EOF
        """
    assert lines(text, RULE) == []


def test_mixed_sources_name_the_local_ones() -> None:
    text = "FROM debian:bookworm-slim\nADD vendor.tar.gz notes.md extra/ /opt/\n"
    (finding,) = hits(text, RULE, dedent=False)
    assert "`notes.md`, `extra/`" in finding.message
    assert "vendor.tar.gz" not in finding.message
    assert " are neither" in finding.message


def test_every_stage_and_continuation_lines() -> None:
    text = """\
        FROM golang:1.22 AS build
        ADD go.mod go.sum /src/
        FROM debian:bookworm-slim
        ADD --chown=app:app \\
            static/ /srv/static/
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(2, 1, 2), (4, 1, 4)]
