"""Fixing generated Dockerfiles: idempotent, clean for the fixed rules, still parsable."""

from __future__ import annotations

import subprocess

import dockerfile as buildkit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import SYNTAX_RULE, Linter
from imagekit.lint.findings import Finding
from imagekit.lint.fixer import fix_text

FIXED_RULES = frozenset(
    {"IK101", "IK102", "IK103", "IK201", "IK202", "IK203", "IK204", "IK205", "IK207"}
)

COMMANDS = [
    "apt-get update",
    "apt-get install -y curl",
    "apt-get install -y git wget",
    "apt-get -y install build-essential",
    "apk update",
    "apk add curl",
    "pip install flask",
    "python3 -m pip install -r requirements.txt",
    "npm ci",
    "yarn install",
    "yum install -y make",
    "dnf install -y gcc",
    "cd /src",
    "echo hi > /tmp/log 2>&1",
    "make",
    "true || false",
    "curl -o /tmp/x.tgz https://example.com/x.tgz",
    "rm -f /tmp/x.tgz",
    "rm -rf /var/lib/apt/lists/*",
    "apt-get clean",
    "echo done # a shell comment",
    "export A=1",
    "f() { :; }",
    "sh -c 'apt-get update'",
    "( cd /x && make )",
    "if true; then apk add curl; fi",
    "chown -R nobody:nogroup /srv/app",
    "chown -R 1000 /srv",
    "chmod -R 0755 /srv/app",
]


@st.composite
def runs(draw: st.DrawFn, newline: str) -> str:
    commands = draw(st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=4))
    shape = draw(st.sampled_from(["line", "leading", "trailing", "heredoc"]))
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    if shape == "heredoc":
        errexit = ["set -eux"] if draw(st.booleans()) else []
        body = "".join(c + newline for c in [*errexit, *commands])
        return f"RUN <<EOF{newline}{body}EOF{newline}"
    if shape == "line":
        joiner = draw(st.sampled_from([" && ", "; "]))
        return "RUN " + joiner.join(commands) + newline
    parts = ["RUN " + commands[0]]
    for command in commands[1:]:
        comment = f"{indent}# about {command.split()[0]}{newline}" if draw(st.booleans()) else ""
        if shape == "leading":
            parts.append(f" \\{newline}{comment}{indent}&& {command}")
        else:
            parts.append(f" && \\{newline}{comment}{indent}{command}")
    return "".join(parts) + newline


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [f"FROM debian:bookworm-slim{newline}"]
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(
            st.sampled_from(["run", "run", "run", "comment", "blank", "env", "workdir", "copy"])
        )
        if kind == "run":
            lines.append(draw(runs(newline)))
        elif kind == "comment":
            lines.append(f"# a note{newline}")
        elif kind == "blank":
            lines.append(newline)
        elif kind == "copy":
            lines.append(f"COPY src/ /srv/app/{newline}")
        elif kind == "env":
            lines.append(f"ENV A=1{newline}")
        else:
            lines.append(f"WORKDIR /src{newline}")
    return "".join(lines)


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(LintOptions())


def _fixable(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule in FIXED_RULES and f.fixable]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=dockerfiles())
def test_fixing_generated_dockerfiles(linter: Linter, text: str) -> None:
    before = linter.lint_text(text)
    assert not [f for f in before if f.rule == SYNTAX_RULE]
    fixed, applied, remaining = fix_text(linter, text, unsafe=True)
    # Clean for the fixed rules: whatever is left has no fix to apply.
    assert _fixable(remaining) == []
    assert not [f for f in remaining if f.rule == SYNTAX_RULE]
    # Idempotent.
    again, applied_again, _ = fix_text(linter, fixed, unsafe=True)
    assert again == fixed and applied_again == []
    # BuildKit still parses it; merging only lowers the instruction count.
    commands = buildkit.parse_string(fixed)
    original = buildkit.parse_string(text)
    assert len(commands) <= len(original)
    merged = sum(1 for f in applied if f.rule in ("IK101", "IK102", "IK103"))
    assert len(commands) >= len(original) - merged
    assert [c.cmd for c in commands if c.cmd != "RUN"] == [
        c.cmd for c in original if c.cmd != "RUN"
    ]
    # Every shell-form RUN is still valid shell.
    for command in commands:
        if command.cmd == "RUN" and not command.json and not command.heredocs:
            assert _valid_shell(command.value[0]), command.value[0]
    # Comment lines stay, byte for byte and in order.
    assert _comments(fixed) == _comments(text)
    if fixed != text:
        assert applied


def _valid_shell(script: str) -> bool:
    return (
        subprocess.run(["sh", "-n", "-c", script], capture_output=True, check=False).returncode == 0
    )


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
