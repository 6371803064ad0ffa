"""IK104 context-copied-without-dockerignore: COPY . with nothing excluded."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from tests.support.lint import hits, lines

RULE = "IK104"


def test_catalogue_examples(tmp_path: Path) -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE, directory=tmp_path)
    assert [(f.line, f.column) for f in found] == [(3, 1)]
    assert lines(rule.good, RULE, directory=tmp_path) == []
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert lines(rule.bad, RULE, directory=tmp_path) == []


@pytest.mark.parametrize(
    "instruction",
    [
        "COPY . /app",
        "COPY ./ /app/",
        "COPY . .",
        "ADD . /app",
        'COPY [".", "/app"]',
        "COPY --chown=app:app . /app",
        "COPY --link . /app",
        "COPY package.json . /app/",
    ],
)
def test_whole_context_without_dockerignore(tmp_path: Path, instruction: str) -> None:
    text = f"FROM python:3.12-slim\nWORKDIR /app\n{instruction}\n"
    found = hits(text, RULE, directory=tmp_path, dedent=False)
    assert [f.line for f in found] == [3]
    message = found[0].message
    assert str(tmp_path) in message
    assert ".dockerignore" in message
    assert ".git" in message


@pytest.mark.parametrize(
    "instruction",
    [
        "COPY --from=build . /app",
        "COPY src/ /app/",
        "COPY ./src /app",
        "COPY .env /app/",
        "COPY <<EOF ./\nhello\nEOF",
        "RUN --mount=type=bind,source=.,target=/src make -C /src",
    ],
)
def test_not_the_whole_context(tmp_path: Path, instruction: str) -> None:
    text = f"FROM python:3.12-slim AS build\nFROM python:3.12-slim\n{instruction}\n"
    assert lines(text, RULE, directory=tmp_path, dedent=False) == []


def test_unknown_directory_is_not_judged() -> None:
    assert lines("FROM alpine:3.20\nCOPY . /app\n", RULE, dedent=False) == []


def test_every_stage_sends_the_context(tmp_path: Path) -> None:
    text = """\
        FROM node:20 AS build
        WORKDIR /src
        COPY . .
        RUN npm ci && npm run build

        FROM nginx:1.27-alpine
        COPY --from=build /src/dist /usr/share/nginx/html
        """
    assert lines(text, RULE, directory=tmp_path) == [3]


def test_dockerignore_named_after_the_dockerfile(tmp_path: Path) -> None:
    text = "FROM alpine:3.20\nCOPY . /app\n"
    (tmp_path / "Dockerfile.dockerignore").write_text(".git\n")
    assert lines(text, RULE, directory=tmp_path, dedent=False) == []


def test_dockerignore_that_is_a_directory_does_not_count(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").mkdir()
    assert lines("FROM alpine:3.20\nCOPY . /app\n", RULE, directory=tmp_path, dedent=False) == [2]


def _lint_file(dockerfile: Path, context: Path | None) -> list[int]:
    linter = Linter(LintOptions(context=context))
    directory = context if context is not None else dockerfile.parent
    findings = linter.lint_text(dockerfile.read_text(), str(dockerfile), directory)
    return [f.line for f in findings if f.rule == RULE]


def test_context_option_decides_where_dockerignore_is_read(tmp_path: Path) -> None:
    context = tmp_path / "context"
    docker = tmp_path / "docker"
    context.mkdir()
    docker.mkdir()
    dockerfile = docker / "app.Dockerfile"
    dockerfile.write_text(textwrap.dedent("FROM alpine:3.20\nCOPY . /app\n"))
    # A .dockerignore beside the Dockerfile is not the context's.
    (docker / ".dockerignore").write_text(".git\n")
    assert _lint_file(dockerfile, context) == [2]
    assert _lint_file(dockerfile, None) == []
    # The context root's .dockerignore, or <Dockerfile name>.dockerignore beside it, counts.
    (context / ".dockerignore").write_text(".git\n")
    assert _lint_file(dockerfile, context) == []
    (context / ".dockerignore").unlink()
    (docker / "app.Dockerfile.dockerignore").write_text(".git\n")
    assert _lint_file(dockerfile, context) == []
