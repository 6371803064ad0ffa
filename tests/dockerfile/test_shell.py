"""The shell layer: RUN bodies flattened into simple commands with Dockerfile positions."""

from __future__ import annotations

import subprocess
import sys

import pytest

from imagekit.dockerfile import Dockerfile, Instruction, parse
from imagekit.dockerfile.shell import Command, Script, ShellParser


@pytest.fixture(scope="module")
def shell() -> ShellParser:
    return ShellParser()


def run_of(model: Dockerfile) -> Instruction:
    runs = [i for i in model.instructions if i.keyword == "RUN"]
    assert len(runs) == 1
    return runs[0]


def script(shell: ShellParser, body: str, shell_form: tuple[str, ...] | None = None) -> Script:
    return shell.script(run_of(parse(f"FROM debian:bookworm-slim\nRUN {body}\n")), shell_form)


def names(shell: ShellParser, body: str) -> list[str]:
    return [c.name for c in script(shell, body).commands]


def argvs(shell: ShellParser, body: str) -> list[tuple[str, ...]]:
    return [(c.name, *c.argv) for c in script(shell, body).commands]


def where(model: Dockerfile, command: Command) -> tuple[int, int, str]:
    line, column = model.lines.position(command.start)
    return line, column, model.text[command.start : command.end]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a && b || c; d | e", ["a", "b", "c", "d", "e"]),
        ("(cd /src && make) && { echo a; echo b; }", ["cd", "make", "echo", "echo"]),
        ("if [ -f x ]; then rm x; elif true; then y; else z; fi", ["rm", "true", "y", "z"]),
        ('case "$A" in a) apt-get install x ;; *) apk add y ;; esac', ["apt-get", "apk"]),
        ("for f in a b; do rm $f; done; while false; do sleep 1; done", ["rm", "false", "sleep"]),
        ("f() { rm -rf /x; }; f", ["rm", "f"]),
        ('echo $(uname -m) `date` "$(id -u)"', ["echo", "uname", "date", "id"]),
        ("echo $(( 1 + 2 )) && [[ -f x ]] && arr=(a b) && echo ${arr[@]}", ["echo", "echo"]),
        ("cat <(ls /) | tee >(wc -l)", ["cat", "ls", "tee", "wc"]),
        ("set -eux; apt-get update; rm -rf /var/lib/apt/lists/*", ["set", "apt-get", "rm"]),
    ],
)
def test_commands_anywhere_in_the_script(
    shell: ShellParser, body: str, expected: list[str]
) -> None:
    found = script(shell, body)
    assert found.shell
    assert [c.name for c in found.commands] == expected
    assert [c.order for c in found.commands] == list(range(len(expected)))


@pytest.mark.parametrize(
    ("body", "argv"),
    [
        ("echo 'a b' c", ("echo", "a b", "c")),
        ('echo "a \\"b\\" \\\\ $HOME"', ("echo", 'a "b" \\ $HOME')),
        ("touch a\\ b", ("touch", "a b")),
        ("echo pre'fix'\"ed\"", ("echo", "prefixed")),
        ("echo $'tab\\there'", ("echo", "tab\\there")),
        ("ls /usr/lib/*.so ~/x", ("ls", "/usr/lib/*.so", "~/x")),
    ],
)
def test_quoting(shell: ShellParser, body: str, argv: tuple[str, ...]) -> None:
    assert argvs(shell, body) == [argv]


@pytest.mark.parametrize(
    "body",
    [
        "sh -c 'apt-get update && rm -rf /var/lib/apt/lists/*'",
        'bash -c "apt-get update && rm -rf /var/lib/apt/lists/*"',
        "bash -ec 'apt-get update; rm -rf /var/lib/apt/lists/*'",
        "/bin/sh -xc 'apt-get update; \\\n    rm -rf /var/lib/apt/lists/*'",
        "sh -e -c 'apt-get update && rm -rf /var/lib/apt/lists/*'",
    ],
)
def test_shell_c_strings_are_parsed(shell: ShellParser, body: str) -> None:
    found = names(shell, body)
    assert found[1:] == ["apt-get", "rm"]


def test_nested_shell_strings(shell: ShellParser) -> None:
    assert names(shell, "bash -c 'sh -c \"rm -rf /y\"'") == ["bash", "sh", "rm"]


def test_sh_script_file_is_not_a_c_string(shell: ShellParser) -> None:
    assert names(shell, "sh ./install.sh --prefix /usr") == ["sh"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("sudo -u root apt-get install -y x", [("apt-get", ())]),
        ("env A=1 B=2 make install", [("make", (("A", "1"), ("B", "2")))]),
        (
            "DEBIAN_FRONTEND=noninteractive apt-get -y install z",
            [("apt-get", (("DEBIAN_FRONTEND", "noninteractive"),))],
        ),
        ("nice -n 10 nohup make", [("make", ())]),
        ("xargs -n1 rm < list", [("rm", ())]),
        ("exec gosu app /app", [("gosu", ())]),
    ],
)
def test_wrappers_and_assignments(
    shell: ShellParser, body: str, expected: list[tuple[str, tuple[tuple[str, str], ...]]]
) -> None:
    assert [(c.name, c.env) for c in script(shell, body).commands] == expected


def test_command_name_drops_the_directory(shell: ShellParser) -> None:
    assert names(shell, "/usr/bin/apt-get update && ./configure") == ["apt-get", "configure"]


# Heredocs


def test_heredoc_as_the_script(shell: ShellParser) -> None:
    model = parse("FROM a\nRUN <<EOF\nset -eux\napt-get update\nrm -rf /var/lib/apt/lists/*\nEOF\n")
    commands = shell.script(run_of(model)).commands
    assert [where(model, c) for c in commands] == [
        (3, 1, "set -eux"),
        (4, 1, "apt-get update"),
        (5, 1, "rm -rf /var/lib/apt/lists/*"),
    ]


def test_heredoc_fed_to_bash(shell: ShellParser) -> None:
    model = parse("FROM a\nRUN bash <<EOF\napt-get update\nEOF\n")
    commands = shell.script(run_of(model)).commands
    assert [where(model, c) for c in commands] == [(2, 5, "bash"), (3, 1, "apt-get update")]


def test_heredoc_with_shell_shebang(shell: ShellParser) -> None:
    assert names(shell, "<<EOF\n#!/bin/bash\nset -e\nrm -rf /x\nEOF") == ["set", "rm"]


@pytest.mark.parametrize(
    "body",
    [
        "python3 <<EOF\nimport os\nos.system('rm -rf /x')\nEOF",
        "<<EOF\n#!/usr/bin/env python3\nimport os\nEOF",
        "bash script.sh <<EOF\nrm -rf /x\nEOF",  # stdin of a script, not the script
    ],
)
def test_heredoc_that_is_not_shell(shell: ShellParser, body: str) -> None:
    assert "rm" not in names(shell, body)


def test_heredoc_as_data(shell: ShellParser) -> None:
    assert names(shell, "cat <<EOF > /etc/app.conf\nrm -rf /\nEOF") == ["cat"]


def test_heredoc_with_tabs(shell: ShellParser) -> None:
    model = parse("FROM a\nRUN <<-EOF\n\tapt-get update\n\t\trm -rf /x\n\tEOF\n")
    commands = shell.script(run_of(model)).commands
    assert [where(model, c)[:2] for c in commands] == [(3, 2), (4, 3)]


def test_heredoc_with_crlf(shell: ShellParser) -> None:
    model = parse("FROM a\r\nRUN <<EOF\r\napt-get update\r\nrm -rf /x\r\nEOF\r\n")
    commands = shell.script(run_of(model)).commands
    assert [where(model, c) for c in commands] == [(3, 1, "apt-get update"), (4, 1, "rm -rf /x")]
    assert commands[1].argv == ("-rf", "/x")


# Not shell


def test_exec_form(shell: ShellParser) -> None:
    model = parse('FROM a\nRUN ["apt-get", "install", "-y", "curl"]\n')
    found = shell.script(run_of(model))
    assert found.shell
    assert [(c.name, c.argv) for c in found.commands] == [("apt-get", ("install", "-y", "curl"))]
    assert model.lines.position(found.commands[0].start) == (2, 1)


def test_exec_form_of_a_shell_is_parsed(shell: ShellParser) -> None:
    assert names(shell, '["sh", "-c", "apt-get update && rm -rf /x"]') == ["sh", "apt-get", "rm"]


def test_empty_exec_form(shell: ShellParser) -> None:
    found = script(shell, "[]")
    assert found.commands == ()
    assert not found.shell


@pytest.mark.parametrize("shell_form", [("pwsh", "-Command"), ("cmd", "/S", "/C"), ("powershell",)])
def test_non_posix_shell(shell: ShellParser, shell_form: tuple[str, ...]) -> None:
    found = script(shell, "Remove-Item -Recurse C:\\tmp", shell_form)
    assert not found.shell
    assert found.commands == ()


def test_posix_shell_form(shell: ShellParser) -> None:
    found = script(shell, "rm -rf /x", ("/bin/bash", "-o", "pipefail", "-c"))
    assert found.shell
    assert [c.name for c in found.commands] == ["rm"]


@pytest.mark.parametrize(
    "body", ["", "   ", "# only a comment", ";", "&&", "'unterminated", "$((", "<<"]
)
def test_empty_or_broken_input_does_not_raise(shell: ShellParser, body: str) -> None:
    assert isinstance(script(shell, body).commands, tuple)


def test_parse_text(shell: ShellParser) -> None:
    found = shell.parse_text("apt-get update && rm -rf /x")
    assert [(c.name, c.start, c.end) for c in found.commands] == [
        ("apt-get", 0, 14),
        ("rm", 18, 27),
    ]


# Positions


def test_command_spans_on_continuation_lines(shell: ShellParser) -> None:
    text = "FROM a\nRUN set -eux; \\\n    apt-get update; \\\n  # note\n      rm -rf /var/lib/apt/lists/*\n"
    model = parse(text)
    commands = shell.script(run_of(model)).commands
    assert [where(model, c) for c in commands] == [
        (2, 5, "set -eux"),
        (3, 5, "apt-get update"),
        (5, 7, "rm -rf /var/lib/apt/lists/*"),
    ]


def test_word_spans(shell: ShellParser) -> None:
    model = parse("FROM a\nRUN apt-get install -y \\\n    curl\n")
    (command,) = shell.script(run_of(model)).commands
    curl = command.args[-1]
    assert model.lines.position(curl.start) == (3, 5)
    assert model.text[curl.start : curl.end] == "curl"


def test_positions_inside_sh_c_strings(shell: ShellParser) -> None:
    text = 'FROM a\nRUN sh -c "echo \\"a\\" && rm -rf /x"\n'
    model = parse(text)
    commands = shell.script(run_of(model)).commands
    assert where(model, commands[-1]) == (2, 26, "rm -rf /x")


def test_positions_after_non_ascii_text(shell: ShellParser) -> None:
    model = parse("FROM a\nRUN echo ünïcödé 😀 && rm -rf /tmp/ü\n")
    commands = shell.script(run_of(model)).commands
    assert where(model, commands[1]) == (2, 23, "rm -rf /tmp/ü")


def test_positions_with_backtick_escape(shell: ShellParser) -> None:
    model = parse("# escape=`\nFROM a\nRUN apt-get update && `\n    rm -rf /x\n")
    commands = shell.script(run_of(model)).commands
    assert where(model, commands[1]) == (4, 5, "rm -rf /x")


def test_characters_that_crash_tree_sitter_bash_are_parsed_safely(shell: ShellParser) -> None:
    # `{` followed by some unassigned or private-use code points beyond U+FFFF makes
    # tree-sitter-bash crash the process; run it in a child so a regression fails cleanly.
    code = (
        "from imagekit.dockerfile.shell import ShellParser\n"
        "p = ShellParser()\n"
        "for _ in range(200):\n"
        "    for text in ['{\\U000f0080', '{\\U000edb71 x', 'echo {\\U000e8080; rm y']:\n"
        "        p.parse_text(text)\n"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert child.returncode == 0, child.stderr
    found = shell.parse_text("echo \U0001f600 \U000f0080 && {\U000f0080; rm y; }").commands
    assert [(c.name, c.argv) for c in found] == [
        ("echo", ("\U0001f600", "\U000f0080")),
        ("\U000f0080", ()),
        ("rm", ("y",)),
    ]


def test_commands_record_wrappers_and_grouping() -> None:
    df = parse(
        "FROM a\nRUN env A=1 sudo -E make && (cd /x && ls) && echo $(cd y; pwd) `cd z` && sudo -v\n"
    )
    commands = ShellParser().script(df.instructions[1]).commands
    assert [(c.name, c.wrappers, c.scoped) for c in commands] == [
        ("make", ("env", "sudo"), False),
        ("cd", (), True),
        ("ls", (), True),
        ("echo", (), False),
        ("cd", (), True),
        ("pwd", (), True),
        ("cd", (), True),
        ("sudo", (), False),
    ]


def test_grouping_is_relative_to_the_sh_dash_c_script() -> None:
    df = parse("FROM a\nRUN sh -c '(cd /d && make) && cd /e'\n")
    commands = ShellParser().script(df.instructions[1]).commands
    assert [(c.name, c.scoped) for c in commands if c.name == "cd"] == [("cd", True), ("cd", False)]


def test_declarations_are_commands(shell: ShellParser) -> None:
    body = 'export A=1 B="x y" C && (declare -x D=$E) && unset F; local G=1; pip install x'
    assert [(c.name, c.argv, c.scoped) for c in script(shell, body).commands] == [
        ("export", ("A=1", "B=x y", "C"), False),
        ("declare", ("-x", "D=$E"), True),
        ("unset", ("F",), False),
        ("local", ("G=1",), False),
        ("pip", ("install", "x"), False),
    ]
    model = parse(f"FROM debian:bookworm-slim\nRUN {body}\n")
    first = shell.script(run_of(model)).commands[0]
    assert where(model, first) == (2, 5, 'export A=1 B="x y" C')
