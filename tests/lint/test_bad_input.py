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


# Many ordinary instructions: each block plants one finding of each rule below (IK101 three
# times). Checks that follow paths from one instruction to a later one (IK102, IK103) or
# look back through the stage (IK202, IK204) must stay linear in the number of RUNs.
MANY_RUNS_HEADER = (
    "FROM debian:bookworm-slim\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl"
    " && rm -rf /var/lib/apt/lists/*\n"
)
MANY_RUNS_BLOCK = (
    "RUN apt-get install -y pkg{i}\n"  # IK101 (after a RUN), IK201, IK202
    "COPY app{i}/ /srv/app{i}/\n"
    "RUN chown -R app /srv/app{i} && pip install tool{i}\n"  # IK103, IK204
    "RUN curl -fsSLo /tmp/pkg{i}.tgz https://example.com/pkg{i}.tgz && npm install\n"
    # IK101, IK205, IK208
    "RUN rm -f /tmp/pkg{i}.tgz\n"  # IK101, IK102
)
MANY_RUNS_PLANTED = {
    "IK101": 3,
    "IK102": 1,
    "IK103": 1,
    "IK201": 1,
    "IK202": 1,
    "IK204": 1,
    "IK205": 1,
    "IK208": 1,
}
MANY_RUNS_BYTES = 1 << 20
"""About 14,000 RUNs. A 10 MB file of this kind takes about ten times as long (linear)."""


def test_many_ordinary_runs_give_every_planted_finding(linter: Linter) -> None:
    parts = [MANY_RUNS_HEADER]
    size = len(MANY_RUNS_HEADER)
    blocks = 0
    while size < MANY_RUNS_BYTES:
        block = MANY_RUNS_BLOCK.format(i=blocks)
        parts.append(block)
        size += len(block)
        blocks += 1
    text = "".join(parts)
    findings = linter.lint_text(text)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    assert counts == {rule: n * blocks for rule, n in MANY_RUNS_PLANTED.items()}
    # Each removal is traced to the download of the RUN just before it, block by block.
    header_lines = MANY_RUNS_HEADER.count("\n")
    block_lines = MANY_RUNS_BLOCK.count("\n")
    removals = sorted(f.line for f in findings if f.rule == "IK102")
    assert removals == [header_lines + block_lines * (i + 1) for i in range(blocks)]
    last = [f for f in findings if f.rule == "IK102"][-1]
    assert f"RUN on line {last.line - 1} wrote the download /tmp/pkg{blocks - 1}.tgz" in (
        last.message
    )
    chowns = sorted(f.line for f in findings if f.rule == "IK103")
    assert chowns == [header_lines + block_lines * i + 3 for i in range(blocks)]
