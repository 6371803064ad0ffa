"""Linting bad input: every file gives IK001 findings with a line, or a clean result, never an
exception; one bad file among several does not stop the others from being linted."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter, lint_paths

GOOD = b"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
TEN_MB = 10 * 1024 * 1024

BAD_FILES: dict[str, tuple[bytes, int, str]] = {
    "binary": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, 1, "binary file"),
    "empty": (b"", 1, "file with no instructions"),
    "comments-only": (b"# nothing\n# here\n", 1, "file with no instructions"),
    "latin-1": ('FROM alpine:3.20\nLABEL a="caf\u00e9"\n'.encode("latin-1"), 2, "not valid UTF-8"),
    "unknown-instruction": (b"FROM alpine:3.20\nCOPPY a /a\n", 2, "unknown instruction: COPPY"),
    "unterminated-heredoc": (
        b"FROM alpine:3.20\nRUN <<EOF\napk add curl\n",
        2,
        "unterminated heredoc",
    ),
    "no-from": (b"ARG X=1\nRUN echo\n", 2, "before the first FROM"),
}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(LintOptions())


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gives_a_syntax_finding_with_a_line(linter: Linter, name: str) -> None:
    data, line, needle = BAD_FILES[name]
    findings = linter.lint_bytes(data, name, None)
    syntax = [f for f in findings if f.rule == "IK001"]
    assert syntax, findings
    assert any(f.line == line and needle in f.message for f in syntax), syntax
    for finding in findings:
        assert finding.line >= 1 and finding.column >= 1


def test_several_files_in_one_call_where_some_are_bad(tmp_path: Path) -> None:
    paths = []
    for name, (data, _, _) in sorted(BAD_FILES.items()):
        path = tmp_path / f"{name}.Dockerfile"
        path.write_bytes(data)
        paths.append(str(path))
    good = tmp_path / "Dockerfile"
    good.write_bytes(GOOD)
    paths.insert(3, str(good))
    result = lint_paths([*paths, str(tmp_path / "missing.Dockerfile")], LintOptions(), io.BytesIO())
    assert result.files == len(paths)
    assert result.errors == [
        f"cannot read {tmp_path / 'missing.Dockerfile'}: no such file or directory"
    ]
    by_file = {f.path for f in result.findings if f.rule == "IK001"}
    assert by_file == {p for p in paths if p != str(good)}
    # The good file is linted as usual: its apt lists are still flagged.
    assert [f.rule for f in result.findings if f.path == str(good)] == ["IK201"]


def test_directory_with_a_bad_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_bytes(b"\x00\x00binary")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Dockerfile").write_bytes(GOOD)
    result = lint_paths([str(tmp_path)], LintOptions(), io.BytesIO())
    assert result.files == 2
    rules = {(Path(f.path).parent.name, f.rule) for f in result.findings}
    assert ("a", "IK001") in rules
    assert ("b", "IK201") in rules


def test_bad_standard_input_next_to_good_files(tmp_path: Path) -> None:
    good = tmp_path / "Dockerfile"
    good.write_bytes(GOOD)
    result = lint_paths(["-", str(good)], LintOptions(), io.BytesIO(b"\xff\xfe\x00\x00garbage"))
    assert {(f.path, f.rule) for f in result.findings} >= {
        ("<stdin>", "IK001"),
        (str(good), "IK201"),
    }


@pytest.mark.parametrize(
    "shape", ["one-long-run", "continuations", "heredoc", "comments", "garbage-lines"]
)
def test_ten_megabyte_file_lints_in_seconds(tmp_path: Path, shape: str) -> None:
    unit = {
        "one-long-run": "echo h\u00e9llo && ",
        "continuations": "echo hello \\\n && ",
        "heredoc": "curl -fsSLO https://example.com/\u00fc && tar -xzf x.tgz\n",
        "comments": "# a comment line\n",
        "garbage-lines": "\u00a7$%&/()=?`\u00b4 <<\" ' \\ [ { ~ \u2603 ENV\n",
    }[shape]
    body = unit * (TEN_MB // len(unit.encode()))
    if shape in ("one-long-run", "continuations"):
        text = f"FROM debian:bookworm-slim\nRUN {body}true\n"
    elif shape == "heredoc":
        text = f"FROM debian:bookworm-slim\nRUN <<EOF\n{body}EOF\n"
    else:
        text = f"FROM debian:bookworm-slim\n{body}"
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > TEN_MB * 0.9
    started = time.perf_counter()
    result = lint_paths([str(path)], LintOptions(), io.BytesIO())
    elapsed = time.perf_counter() - started
    assert result.files == 1 and not result.errors
    assert elapsed < 30, f"{shape}: {elapsed:.1f}s"
    lines = text.count("\n") + 1
    for finding in result.findings:
        assert 1 <= finding.line <= lines


def test_deeply_nested_command_substitution(linter: Linter) -> None:
    depth = 5000
    for body in ("echo " + "$(" * depth + "true" + ")" * depth, "echo " + "$(" * depth):
        findings = linter.lint_text(f"FROM debian:bookworm-slim\nRUN {body}\n")
        assert all(f.line in (1, 2) for f in findings)


def test_file_over_the_size_limit_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    with path.open("wb") as handle:
        handle.seek(64 * 1024 * 1024)
        handle.write(b"\n")
    result = lint_paths([str(path)], LintOptions(), io.BytesIO())
    assert result.files == 0
    assert result.errors and "larger than 64 MiB" in result.errors[0]
