"""The model on input that is not a good Dockerfile: problems with a position, never a crash,
and time that grows with the size of the input, not faster."""

from __future__ import annotations

import time

import pytest

from imagekit.dockerfile import Dockerfile, parse, parse_bytes
from imagekit.dockerfile.shell import ShellParser

TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def shell() -> ShellParser:
    return ShellParser()


def problem_lines(model: Dockerfile) -> list[tuple[int, str]]:
    return [(model.lines.position(p.start)[0], p.message) for p in model.problems]


def all_scripts(model: Dockerfile, shell: ShellParser) -> int:
    return sum(len(shell.script(i).commands) for i in model.instructions if i.keyword == "RUN")


@pytest.mark.parametrize(
    ("data", "line", "needle"),
    [
        (b"\x00\x01\x02FROM alpine\n", 1, "binary file (NUL byte at offset 0)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "binary file"),
        (b"", 1, "file with no instructions"),
        (b"\n\n   \n", 1, "file with no instructions"),
        (b"# just\n# comments\n", 1, "file with no instructions"),
        (b"ARG A=1\n", 1, "no FROM instruction"),
        (b"FROM alpine\nRUN echo \xff\xfe\n", 2, "not valid UTF-8 (byte 0xFF)"),
        (b"FROM alpine\nFETCH http://x\n", 2, "unknown instruction: FETCH"),
        (b"FROM alpine\nRUN <<EOF\necho hi\n", 2, "unterminated heredoc <<EOF"),
        (b"FROM alpine\nCOPY <<A /a <<B /b\nx\nA\ny\n", 2, "unterminated heredoc <<B"),
        (b"FROM alpine\nRUN [1, 2]\n", 2, "JSON array form must hold strings only"),
        (b"# escape=!\nFROM alpine\n", 1, "invalid escape directive"),
    ],
)
def test_problem_with_a_line(data: bytes, line: int, needle: str) -> None:
    model = parse_bytes(data)
    found = problem_lines(model)
    assert any(line == at and needle in message for at, message in found), found


def test_latin1_text_is_decoded_with_a_problem_and_still_parsed() -> None:
    model = parse_bytes('FROM alpine\nLABEL author="Jos\u00e9"\nRUN echo\n'.encode("latin-1"))
    assert [i.keyword for i in model.instructions] == ["FROM", "LABEL", "RUN"]
    assert problem_lines(model)[0][0] == 2


def test_byte_order_mark_is_dropped() -> None:
    model = parse_bytes(b"\xef\xbb\xbfFROM alpine\n")
    assert [i.keyword for i in model.instructions] == ["FROM"]
    assert not model.problems


@pytest.mark.parametrize(
    "text",
    [
        "FROM alpine\nRUN \\",
        "FROM alpine\nRUN",
        "FROM\n",
        "FROM alpine AS\n",
        "FROM alpine\nRUN ['broken json\n",
        "FROM alpine\nCOPY\nADD\nENV\nARG\nLABEL\nHEALTHCHECK\nONBUILD\n",
        "FROM alpine\n\u0000\n",
        "FROM alpine\n\ufeffRUN echo\n",
        "FROM alpine\nRUN echo \ud800\n",
        "\r\r\r\nFROM alpine\r",
        "FROM alpine\nRUN <<\nRUN <<-\nRUN <<''\n",
    ],
)
def test_odd_text_never_raises(text: str, shell: ShellParser) -> None:
    model = parse(text)
    all_scripts(model, shell)
    for problem in model.problems:
        assert 0 <= problem.start <= problem.end <= len(text)


@pytest.mark.parametrize("depth", [5000])
def test_deeply_nested_command_substitution(depth: int, shell: ShellParser) -> None:
    for body in (
        "echo " + "$(" * depth + "true" + ")" * depth,
        "echo " + "$(" * depth,
        "(" * depth + "true" + ")" * depth,
        "sh -c " + "\"sh -c '" * 50,
        'FROM alpine\nRUN ["' + "[" * depth,
    ):
        model = parse(f"FROM alpine\nRUN {body}\n")
        assert isinstance(all_scripts(model, shell), int)


def test_deeply_nested_json_array() -> None:
    model = parse("FROM alpine\nRUN " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert model.instructions[1].exec_form is None


def _timed(text: str, shell: ShellParser) -> float:
    started = time.perf_counter()
    model = parse(text)
    all_scripts(model, shell)
    return time.perf_counter() - started


@pytest.mark.parametrize(
    "shape",
    ["many-runs", "one-long-run", "continuations", "heredoc", "comments", "garbage"],
)
def test_ten_megabytes_parse_in_seconds(shape: str, shell: ShellParser) -> None:
    line = {
        "many-runs": "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        "one-long-run": "echo h\u00e9llo && ",
        "continuations": "echo hello \\\n && ",
        "heredoc": "echo h\u00e9llo w\u00f6rld\n",
        "comments": "# a comment line\n",
        "garbage": "\u00a7$%&/()=?`\u00b4 <<\" ' \\ [ { ~ \u2603\n",
    }[shape]
    body = line * (TEN_MB // len(line.encode()))
    if shape == "one-long-run" or shape == "continuations":
        text = f"FROM debian\nRUN {body}true\n"
    elif shape == "heredoc":
        text = f"FROM debian\nRUN <<EOF\n{body}EOF\n"
    else:
        text = f"FROM debian\n{body}"
    assert len(text.encode()) > TEN_MB * 0.9
    assert _timed(text, shell) < 30
