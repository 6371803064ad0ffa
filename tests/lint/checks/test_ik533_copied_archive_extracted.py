"""IK533 copied-archive-extracted: a COPY of a local archive that a later RUN extracts."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK533"
BASE = "FROM debian:bookworm-slim\n"


def _lines(body: str) -> list[int]:
    return lines(BASE + body, RULE, dedent=False)


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 1, 35)]
    assert "`app-2.1.0.tar.gz`" in found[0].message
    assert "line 3" in found[0].message
    assert "`ADD app-2.1.0.tar.gz <dir>/`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "body",
    [
        "COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
        "COPY app.tar.gz /tmp/app.tar.gz\nRUN tar xzf /tmp/app.tar.gz -C /opt\n",
        "COPY dist/app.tgz /tmp/pkg.tgz\nRUN tar -x -f /tmp/pkg.tgz\n",
        "COPY app.tar.xz /tmp/\nRUN tar --extract --file=/tmp/app.tar.xz\n",
        "COPY app.tar.bz2 /tmp/\nRUN tar -C /opt -xjf /tmp/app.tar.bz2\n",
        "COPY app.tar /tmp/\nRUN bsdtar -xf /tmp/app.tar\n",
        "COPY app.zip /tmp/\nRUN unzip -q /tmp/app.zip -d /opt\n",
        "WORKDIR /tmp\nCOPY app.tar.gz .\nRUN tar -xzf app.tar.gz && rm app.tar.gz\n",
        'COPY ["app.tar.gz", "/tmp/"]\nRUN tar -xzf /tmp/app.tar.gz\n',
        "COPY --chown=1000:1000 app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz\n",
        "COPY app.tar.gz /tmp/\nRUN mkdir /opt/app\nRUN cd /opt/app && tar -xzf /tmp/app.tar.gz\n",
        "COPY app.tar.gz /tmp/\nRUN sh -c 'tar -xzf /tmp/app.tar.gz'\n",
    ],
)
def test_copy_then_extract(body: str) -> None:
    copy_line = 1 + next(i for i, line in enumerate(body.splitlines(), 1) if "COPY" in line)
    assert _lines(body) == [copy_line]


@pytest.mark.parametrize(
    "body",
    [
        "ADD app.tar.gz /opt/\n",
        "COPY app.tar.gz /srv/downloads/\n",
        "COPY app.tar.gz /tmp/\nRUN tar -tzf /tmp/app.tar.gz\n",
        "COPY app.tar.gz /tmp/\nRUN tar -czf /tmp/backup.tar.gz /etc\n",
        "COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/other.tar.gz\n",
        "COPY other.tar.gz /tmp/app.tar.gz\nRUN tar -xzf /tmp/other.tar.gz\n",
        "COPY app.jar /opt/\nRUN unzip /opt/app.jar\n",
        "COPY app.zip /opt/\nRUN unzip -l /opt/app.zip\n",
        "COPY app.zip /opt/\nRUN unzip -tq /opt/app.zip\n",
        "COPY --from=build /out/app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz\n",
        "COPY $ARCHIVE /tmp/\nRUN tar -xzf /tmp/app.tar.gz\n",
        "RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz tar -xzf /tmp/app.tar.gz\n",
        "RUN tar -xzf /tmp/app.tar.gz\nCOPY app.tar.gz /tmp/\n",
        "COPY app.tar.gz /tmp/\nRUN echo tar -xzf /tmp/app.tar.gz\n",
    ],
)
def test_no_copied_archive_extracted(body: str) -> None:
    assert _lines(body) == []


def test_zip_fix_is_a_bind_mount() -> None:
    found = hits(BASE + "COPY app.zip /tmp/\nRUN unzip /tmp/app.zip\n", RULE, dedent=False)
    assert len(found) == 1
    assert "--mount=type=bind" in found[0].message
    assert "ADD" not in found[0].message


def test_one_finding_per_copy_and_per_archive() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY a.tar.gz b.zip /tmp/
        COPY c.tgz /tmp/
        RUN tar -xzf /tmp/a.tar.gz && unzip /tmp/b.zip && tar -xzf /tmp/a.tar.gz
        RUN tar -xzf /tmp/c.tgz
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [2, 3]
    assert "`a.tar.gz`" in found[0].message
    assert "line 5" in found[1].message


def test_only_shipped_stages_in_build_order() -> None:
    """A builder stage's layers do not reach the image; ``--target`` changes what ships."""
    text = """\
        FROM debian:bookworm-slim AS build
        COPY tools.tar.gz /tmp/
        RUN tar -xzf /tmp/tools.tar.gz -C /opt
        FROM debian:bookworm-slim AS base
        COPY app.tar.gz /tmp/
        FROM base
        COPY --from=build /opt /opt
        RUN tar -xzf /tmp/app.tar.gz -C /srv
        """
    assert lines(text, RULE) == [5]
    assert lines(text, RULE, target="build") == [2]


def test_extraction_in_a_continued_line_and_heredoc() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY app.tar.gz /tmp/
        RUN <<EOF
        set -e
        mkdir -p /opt/app
        tar -xzf /tmp/app.tar.gz \\
            -C /opt/app
        EOF
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [2]
    assert "line 3" in found[0].message


@pytest.mark.parametrize(
    "run",
    [
        "zcat /tmp/app.tar.gz | tar -x -C /opt",
        "gzip -dc /tmp/app.tar.gz | tar -x",
        "gzip -cd /tmp/app.tar.gz | tar -xf -",
        "gzip --decompress --stdout /tmp/app.tar.gz | tar --extract",
        "gunzip -c /tmp/app.tar.gz | tar x",
        "gunzip -c /tmp/app.tar.gz | tar xf - -C /opt",
        "cat /tmp/app.tar.gz | tar -xz",
        "cat /tmp/app.tar.gz | tar -xzf-",
        "cat /tmp/app.tar.gz | tar -x --file=-",
        "cat /tmp/app.tar.gz | bsdtar -xf -",
        "cat /tmp/app.tar.gz | pv | tar -xz",
        "cat /tmp/app.tar.gz | { cd /opt && tar -xz; }",
        "set -o pipefail && zcat /tmp/app.tar.gz | tar -x -C /opt",
        "sh -c 'zcat /tmp/app.tar.gz | tar -x'",
    ],
)
def test_pipeline_into_tar(run: str) -> None:
    assert _lines(f"COPY app.tar.gz /tmp/\nRUN {run}\n") == [2]


@pytest.mark.parametrize(
    ("archive", "run"),
    [
        ("app.tar.xz", "xz -dc /tmp/app.tar.xz | tar -x"),
        ("app.tar.xz", "xzcat /tmp/app.tar.xz | tar -x"),
        ("app.tar.bz2", "bzip2 -dc /tmp/app.tar.bz2 | tar -x"),
        ("app.tar.bz2", "bzcat /tmp/app.tar.bz2 | tar -x"),
        ("app.tar.zst", "zstd -dc /tmp/app.tar.zst | tar -x"),
        ("app.tar", "cat /tmp/app.tar | tar -x"),
    ],
)
def test_pipeline_other_compressions(archive: str, run: str) -> None:
    assert _lines(f"COPY {archive} /tmp/\nRUN {run}\n") == [2]


@pytest.mark.parametrize(
    "run",
    [
        "zcat /tmp/app.tar.gz | grep -c foo",
        "zcat /tmp/app.tar.gz | tar -t",
        "gzip -dc /tmp/app.tar.gz | tar -tv",
        "zcat /tmp/other.tar.gz | tar -x",
        "zcat /tmp/app.tar.gz | tar -xf /tmp/other.tar",
        "zcat /tmp/app.tar.gz | tar xf /tmp/other.tar",
        "gzip -c /tmp/app.tar.gz | tar -x",
        "gzip -d /tmp/app.tar.gz | tar -x",
        "xz -d /tmp/app.tar.xz | tar -x",
        "gunzip /tmp/app.tar.gz | tar -x",
        "zcat /tmp/app.tar.gz > /tmp/app.tar",
        "zcat /tmp/app.tar.gz | wc -c; tar -x",
        "zcat /tmp/app.tar.gz | wc -c; echo x | tar -x",
        "sha256sum /tmp/app.tar.gz | tar -x",
        "echo /tmp/app.tar.gz | tar -x",
        "tar -x | zcat /tmp/app.tar.gz",
    ],
)
def test_pipeline_near_misses(run: str) -> None:
    assert _lines(f"COPY app.tar.gz /tmp/\nRUN {run}\n") == []


def test_redirection_into_tar_is_not_seen() -> None:
    """The shell model keeps no redirections, so ``tar -xf - < FILE`` is not linked."""
    assert _lines("COPY app.tar /tmp/\nRUN tar -xf - < /tmp/app.tar\n") == []
