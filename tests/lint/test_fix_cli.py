"""`imagekit lint --fix`, `--diff` and `--unsafe-fixes` on the command line."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli, main

BEFORE = (
    "FROM debian:bookworm-slim\n"
    "# refresh, then install\n"
    "RUN apt-get update \\\n"
    "    && apt-get install -y git\n"
)
AFTER_SAFE = (
    "FROM debian:bookworm-slim\n"
    "# refresh, then install\n"
    "RUN apt-get update \\\n"
    "    && apt-get install -y git \\\n"
    "    && rm -rf /var/lib/apt/lists/*\n"
)
AFTER_UNSAFE = (
    "FROM debian:bookworm-slim\n"
    "# refresh, then install\n"
    "RUN apt-get update \\\n"
    "    && apt-get install --no-install-recommends -y git ca-certificates \\\n"
    "    && rm -rf /var/lib/apt/lists/*\n"
)


def lint(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["lint", *args], input=stdin, catch_exceptions=False)


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(BEFORE)
    (tmp_path / ".dockerignore").write_text(".git\n")
    return path


def test_fix_writes_the_file_and_reports_what_remains(dockerfile: Path) -> None:
    result = lint("--fix", "--isolated", str(dockerfile))
    assert dockerfile.read_text() == AFTER_SAFE
    assert "IK202" in result.stdout  # unsafe for git: left for --unsafe-fixes
    assert "IK201" not in result.stdout
    assert "1 with --unsafe-fixes" in result.stdout
    assert "imagekit: fixed 1 finding in 1 file" in result.stderr
    assert result.exit_code == 1


def test_unsafe_fixes(dockerfile: Path) -> None:
    result = lint("--fix", "--unsafe-fixes", "--isolated", str(dockerfile))
    assert dockerfile.read_text() == AFTER_UNSAFE
    assert result.exit_code == 0, result.output


def test_fix_applies_fixes_in_passes(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y curl\n")
    result = lint("--fix", "--isolated", str(path))
    assert path.read_text() == (
        "FROM debian:bookworm-slim\nRUN apt-get update \\\n"
        "    && apt-get install --no-install-recommends -y curl ca-certificates \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert result.exit_code == 0, result.output


def test_fix_twice_changes_nothing(dockerfile: Path) -> None:
    lint("--fix", "--unsafe-fixes", "--isolated", str(dockerfile))
    once = dockerfile.read_bytes()
    result = lint("--fix", "--unsafe-fixes", "--isolated", str(dockerfile))
    assert dockerfile.read_bytes() == once
    assert "imagekit: fixed" not in result.stderr


def test_fix_keeps_the_file_mode_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM node:20-slim\r\nRUN npm ci\r\n")
    path.chmod(0o640)
    lint("--fix", "--isolated", str(path))
    assert path.read_bytes() == b"FROM node:20-slim\r\nRUN npm ci && npm cache clean --force\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]  # no temp file left


def test_fix_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.Dockerfile"
    real.write_text("FROM node:20-slim\nRUN npm ci\n")
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    lint("--fix", "--isolated", str(link))
    assert link.is_symlink()
    assert real.read_text() == "FROM node:20-slim\nRUN npm ci && npm cache clean --force\n"


def test_diff_prints_and_writes_nothing(dockerfile: Path) -> None:
    result = lint("--diff", "--isolated", str(dockerfile))
    assert dockerfile.read_text() == BEFORE
    name = str(dockerfile).lstrip("/")
    assert result.stdout == (
        f"--- a/{name}\n+++ b/{name}\n@@ -1,4 +1,5 @@\n"
        " FROM debian:bookworm-slim\n # refresh, then install\n RUN apt-get update \\\n"
        "-    && apt-get install -y git\n"
        "+    && apt-get install -y git \\\n"
        "+    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert result.exit_code == 1
    assert "would fix" in result.stderr


def test_diff_of_a_clean_file_exits_0(dockerfile: Path) -> None:
    dockerfile.write_text(AFTER_UNSAFE)
    assert lint("--isolated", str(dockerfile)).exit_code == 0
    result = lint("--diff", "--isolated", str(dockerfile))
    assert result.stdout == ""
    assert result.exit_code == 0, result.output


def test_fix_stdin_prints_the_fixed_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dockerignore").write_text(".git\n")
    result = lint("--fix", "--isolated", "-", stdin="FROM node:20-slim\nRUN npm ci --omit=dev\n")
    assert result.stdout == (
        "FROM node:20-slim\nRUN npm ci --omit=dev && npm cache clean --force\n"
    )
    assert "imagekit: fixed 1 finding in 1 file" in result.stderr
    assert result.exit_code == 0


def test_json_after_fix_lists_what_remains(dockerfile: Path) -> None:
    result = lint("--fix", "--isolated", "--format", "json", str(dockerfile))
    items = json.loads(result.stdout)
    assert [i["rule"] for i in items] == ["IK202"]
    fix = items[0]["fix"]
    assert fix["safety"] == "unsafe"
    assert fix["description"] == "add --no-install-recommends and ca-certificates"
    assert fix["edits"] == [
        {
            "line": 4,
            "column": 23,
            "end_line": 4,
            "end_column": 23,
            "text": " --no-install-recommends",
        },
        {"line": 4, "column": 30, "end_line": 4, "end_column": 30, "text": " ca-certificates"},
    ]


def test_fast_parser_and_click_agree(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", "--diff", "--isolated", str(dockerfile)])
    fast = capsys.readouterr().out
    assert code == 1
    assert fast == lint("--diff", "--isolated", str(dockerfile)).stdout


def test_unwritable_file_is_an_input_error(
    dockerfile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)  # root may write anywhere
    result = lint("--fix", "--isolated", str(dockerfile))
    assert result.exit_code == 2
    assert f"cannot write {dockerfile}: Permission denied" in result.stderr
    assert dockerfile.read_text() == BEFORE
    assert sorted(p.name for p in dockerfile.parent.iterdir()) == [".dockerignore", "Dockerfile"]


def test_ignored_rules_are_not_fixed(dockerfile: Path) -> None:
    result = lint("--fix", "--isolated", "--ignore", "IK201", str(dockerfile))
    assert dockerfile.read_text() == BEFORE
    assert "IK202" in result.stdout and "IK201" not in result.stdout


def test_help_documents_the_fix_options() -> None:
    result = CliRunner().invoke(cli, ["lint", "--help"])
    for option in ("--fix", "--diff", "--unsafe-fixes"):
        assert option in result.stdout
    assert "exits 1 when a" in result.stdout
