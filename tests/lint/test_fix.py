"""Fixes: the exact text each rule's fix writes, its safety, and what it leaves alone."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import dockerfile as buildkit
import pytest

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Edit, Finding, FixSafety
from imagekit.lint.fixer import apply_fixes, fix_bytes, fix_text, unified_diff

ROOT = Path(__file__).resolve().parents[2]
FIXED_RULES = ("IK101", "IK102", "IK103", "IK201", "IK202", "IK203", "IK204", "IK205", "IK207")


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(LintOptions())


def of(linter: Linter, text: str, rule: str) -> list[Finding]:
    return [f for f in linter.lint_text(text) if f.rule == rule]


def fix_rule(linter: Linter, text: str, rule: str, unsafe: bool = True) -> str:
    """One pass of the fixes of ``rule`` only."""
    found = of(linter, text, rule)
    assert found, f"{rule} does not fire on {text!r}"
    return apply_fixes(text, found, unsafe)[0]


def kept_outside(before: str, after: str, edits: list[Edit]) -> bool:
    """True when ``after`` is ``before`` with only ``edits`` applied."""
    out, position = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(before[position : edit.start] + edit.text)
        position = edit.end
    return "".join(out) + before[position:] == after


# The exact text of each fix, in several continuation styles ------------------------------

CASES = [
    (
        "IK201",
        "FROM debian\nRUN apt-get update && apt-get install -y curl\n",
        "FROM debian\n"
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
    ),
    (
        "IK201",
        "FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl\n",
        "FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n",
    ),
    (  # `&&` at line end, tab indent
        "IK201",
        "FROM debian\nRUN apt-get update && \\\n\tapt-get install -y curl\n",
        "FROM debian\nRUN apt-get update && \\\n\tapt-get install -y curl && \\\n"
        "\trm -rf /var/lib/apt/lists/*\n",
    ),
    (  # CRLF line endings, two-space indent, trailing blanks kept after the insertion
        "IK201",
        "FROM debian\r\nRUN apt-get update \\\r\n  && apt-get install -y curl   \r\n",
        "FROM debian\r\nRUN apt-get update \\\r\n  && apt-get install -y curl \\\r\n"
        "  && rm -rf /var/lib/apt/lists/*   \r\n",
    ),
    (  # a comment line inside the continuation and one after the RUN stay
        "IK201",
        "FROM debian\nRUN apt-get update \\\n    # the tools\n    && apt-get install -y curl\n"
        "# after\n",
        "FROM debian\nRUN apt-get update \\\n    # the tools\n    && apt-get install -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n# after\n",
    ),
    (  # heredoc with set -e: a line of its own before the terminator
        "IK201",
        "FROM debian\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y curl\nEOF\n",
        "FROM debian\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y curl\n"
        "rm -rf /var/lib/apt/lists/*\nEOF\n",
    ),
    (  # heredoc without set -e: chained to the last command, so its failure still counts
        "IK201",
        "FROM debian\nRUN <<-EOF\n\tapt-get update\n\tapt-get install -y curl\n\tEOF\n",
        "FROM debian\nRUN <<-EOF\n\tapt-get update\n"
        "\tapt-get install -y curl && rm -rf /var/lib/apt/lists/*\n\tEOF\n",
    ),
    (
        "IK201",
        "FROM debian\nRUN sudo apt-get update && sudo apt-get install -y curl\n",
        "FROM debian\nRUN sudo apt-get update && sudo apt-get install -y curl"
        " && sudo rm -rf /var/lib/apt/lists/*\n",
    ),
    (  # the escape directive's backtick continues lines
        "IK201",
        "# escape=`\nFROM debian\nRUN apt-get update `\n    && apt-get install -y curl\n",
        "# escape=`\nFROM debian\nRUN apt-get update `\n    && apt-get install -y curl `\n"
        "    && rm -rf /var/lib/apt/lists/*\n",
    ),
    (
        "IK201",
        "FROM debian\nRUN if true; then apt-get update; apt-get install -y curl; fi\n",
        "FROM debian\nRUN if true; then apt-get update; apt-get install -y curl; fi"
        " && rm -rf /var/lib/apt/lists/*\n",
    ),
    (  # before a final `;`: `; rm` would hide a failure
        "IK201",
        "FROM debian\nRUN set -x; apt-get update; apt-get install -y curl ;  \n",
        "FROM debian\nRUN set -x; apt-get update; apt-get install -y curl"
        " && rm -rf /var/lib/apt/lists/* ;  \n",
    ),
    (
        "IK203",
        "FROM alpine\nRUN apk update && apk add curl\n",
        "FROM alpine\nRUN apk update && apk add curl && rm -rf /var/cache/apk/*\n",
    ),
    (
        "IK204",
        "FROM python\nRUN python3 -m pip install -r r.txt && pip3 install x\n",
        "FROM python\n"
        "RUN python3 -m pip install --no-cache-dir -r r.txt && pip3 install --no-cache-dir x\n",
    ),
    (
        "IK204",
        "FROM python\nRUN pip --retries 3 install x\n",
        "FROM python\nRUN pip --retries 3 install --no-cache-dir x\n",
    ),
    (
        "IK204",
        "FROM python\nRUN sh -c 'pip install x'\n",
        "FROM python\nRUN sh -c 'pip install --no-cache-dir x'\n",
    ),
    (
        "IK205",
        "FROM node\nRUN npm ci\n",
        "FROM node\nRUN npm ci && npm cache clean --force\n",
    ),
    (
        "IK205",
        "FROM node\nRUN yarn install --frozen-lockfile\n",
        "FROM node\nRUN yarn install --frozen-lockfile && yarn cache clean\n",
    ),
    (
        "IK207",
        "FROM fedora\nRUN dnf install -y curl\n",
        "FROM fedora\nRUN dnf install -y curl && dnf clean all && rm -rf /var/cache/dnf\n",
    ),
    (
        "IK207",
        "FROM centos\nRUN yum -y update \\\n && yum install -y git\n",
        "FROM centos\nRUN yum -y update \\\n && yum install -y git \\\n && yum clean all \\\n"
        " && rm -rf /var/cache/yum\n",
    ),
    (
        "IK202",
        "FROM debian\nRUN apt-get install -y curl\n",
        "FROM debian\nRUN apt-get install --no-install-recommends -y curl ca-certificates\n",
    ),
    (
        "IK202",
        "FROM debian\nRUN apt-get install -y git ca-certificates\n",
        "FROM debian\nRUN apt-get install --no-install-recommends -y git ca-certificates\n",
    ),
    (
        "IK202",
        "FROM debian\nRUN apt-get -y install wget=1.21\n",
        "FROM debian\nRUN apt-get -y install --no-install-recommends wget=1.21 ca-certificates\n",
    ),
    (  # `||` and `;` in the second body would take in the first: it goes in a subshell
        "IK101",
        "FROM debian\nRUN a || b\nRUN c; d\n",
        "FROM debian\nRUN a || b \\\n    && ( c; d )\n",
    ),
    (  # cd in the first body: a subshell keeps it from the second
        "IK101",
        "FROM debian\nRUN cd /src \\\n\t&& make\n# then install\nRUN make install\n",
        "FROM debian\nRUN ( cd /src \\\n\t&& make ) \\\n# then install\n\t&& make install\n",
    ),
    (
        "IK101",
        "FROM debian\nRUN --mount=type=cache,target=/x a\nRUN --mount=type=cache,target=/x b\n",
        "FROM debian\nRUN --mount=type=cache,target=/x a \\\n    && b\n",
    ),
    (
        "IK101",
        "FROM debian\nRUN a && \\\n    b\n  RUN c | d\n",
        "FROM debian\nRUN a && \\\n    b && \\\n    c | d\n",
    ),
    (
        "IK101",
        "FROM debian\r\nRUN a\r\nRUN b\r\n",
        "FROM debian\r\nRUN a \\\r\n    && b\r\n",
    ),
    (
        "IK102",
        "FROM debian\nRUN curl -o /tmp/x.tgz https://example.com/x.tgz\nRUN rm /tmp/x.tgz\n",
        "FROM debian\nRUN curl -o /tmp/x.tgz https://example.com/x.tgz \\\n    && rm /tmp/x.tgz\n",
    ),
]


@pytest.mark.parametrize(("rule", "before", "after"), CASES)
def test_fix_text(linter: Linter, rule: str, before: str, after: str) -> None:
    assert fix_rule(linter, before, rule) == after


@pytest.mark.parametrize(("rule", "before", "after"), CASES)
def test_fix_edits_only_their_ranges(linter: Linter, rule: str, before: str, after: str) -> None:
    findings = of(linter, before, rule)
    text, applied = apply_fixes(before, findings, unsafe=True)
    edits = [e for f in applied if f.fix for e in f.fix.edits]
    assert kept_outside(before, text, list(dict.fromkeys(edits)))


@pytest.mark.parametrize(("rule", "before", "after"), CASES)
def test_fixed_text_is_clean_and_parses(linter: Linter, rule: str, before: str, after: str) -> None:
    fixed, _, remaining = fix_text(linter, before, unsafe=True)
    assert not [f for f in remaining if f.rule == rule]
    assert not [f for f in remaining if f.rule in FIXED_RULES and f.fixable]
    assert fix_text(linter, fixed, unsafe=True)[0] == fixed  # idempotent
    commands = buildkit.parse_string(fixed)
    assert commands[0].cmd == "FROM"
    assert len(commands) <= len(buildkit.parse_string(before))


# No fix where one cannot be written honestly ------------------------------------------

#: An apt install that no other fixable rule rewrites.
_SLIM = "--no-install-recommends ca-certificates"
_UPDATE = "apt-get update"

NO_FIX = [
    ("IK201", f'FROM debian\nRUN ["sh", "-c", "apt-get update && apt-get install -y {_SLIM}"]\n'),
    ("IK201", f"FROM debian\nRUN {_UPDATE} && apt-get install -y {_SLIM} # tools\n"),  # a comment
    ("IK201", f"FROM debian\nRUN {_UPDATE}; apt-get install -y {_SLIM}; ;\n"),
    ("IK201", f"FROM debian\nRUN {_UPDATE}; apt-get install -y {_SLIM} &\n"),
    (
        "IK201",
        f"FROM debian\nRUN cat <<EOF > /x && {_UPDATE} && apt-get install -y {_SLIM}\nhi\nEOF\n",
    ),
    # an install on lists an earlier layer keeps: removing them here frees nothing
    ("IK201", f"FROM debian\nRUN apt-get install -y {_SLIM}\n"),
    # only an update: the lists are there for a later install (merging the RUNs is the fix)
    ("IK201", "FROM debian\nRUN sudo apt-get update\n"),
    # taking the chown out of the RUN would drop the comment line inside it
    (
        "IK103",
        "FROM debian\nCOPY src/ /srv/app/\nRUN apt-get update \\\n    # about chown\n"
        "    && chown -R nobody:nogroup /srv/app\n",
    ),
    ("IK205", "FROM node\nRUN npm ci --cache /tmp/c\n"),  # the clean would empty ~/.npm
    ("IK205", "FROM node\nRUN YARN_CACHE_FOLDER=/c yarn install\n"),
    ("IK101", "FROM debian\nRUN a\n\nRUN b\n"),  # an empty continuation line is deprecated
    ("IK101", "FROM debian\nRUN a # c\nRUN b\n"),
    ("IK101", 'FROM debian\nRUN a\nRUN ["b"]\n'),
    ("IK101", "FROM debian\nRUN <<EOF\na\nEOF\nRUN b\n"),
    ("IK101", "FROM debian\nRUN export X=1\nRUN echo $X\n"),  # nothing but a declaration
    ("IK101", "FROM debian\nRUN X=1\nRUN echo $X\n"),  # nothing but an assignment
    ("IK102", "FROM debian\nRUN curl -o /tmp/x https://example.com/x\nENV A=1\nRUN rm /tmp/x\n"),
]


def test_an_update_only_run_keeps_the_lists_a_later_install_needs(linter: Linter) -> None:
    """Removing the lists after `apt-get update` alone would break the next RUN's install:
    IK201 offers no fix there, nor on the install (the lists stay in the update's layer
    whatever it removes); IK101's merge of the two RUNs is what fixes it."""
    text = f"FROM debian\nRUN apt-get update\nRUN apt-get install -y {_SLIM}\n"
    update, install = of(linter, text, "IK201")
    assert (update.line, install.line) == (2, 3)
    assert update.fix is None and "same RUN as the update" in update.message
    assert install.fix is None and "an earlier layer keeps" in install.message
    fixed, _, remaining = fix_text(linter, text, unsafe=True)
    assert not [f for f in remaining if f.rule == "IK201"]
    assert "rm -rf /var/lib/apt/lists/*" in fixed
    assert fixed.index("apt-get install") < fixed.index("rm -rf /var/lib/apt/lists/*")


@pytest.mark.parametrize(("rule", "text"), NO_FIX)
def test_no_fix(linter: Linter, rule: str, text: str) -> None:
    found = of(linter, text, rule)
    assert found
    assert all(f.fix is None for f in found)
    assert fix_text(linter, text, unsafe=True)[0] == text


# Safety ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("packages", "safety"),
    [
        ("curl", FixSafety.SAFE),
        ("wget curl ca-certificates", FixSafety.SAFE),
        ("curl:amd64", FixSafety.SAFE),
        ("git", FixSafety.UNSAFE),  # git also recommends an ssh client, patch and less
        ("build-essential", FixSafety.UNSAFE),
        ("$PACKAGES", FixSafety.UNSAFE),
        ("", FixSafety.UNSAFE),
    ],
)
def test_no_install_recommends_safety(linter: Linter, packages: str, safety: FixSafety) -> None:
    (found,) = of(linter, f"FROM debian\nRUN apt-get install -y {packages}\n", "IK202")
    assert found.fix is not None
    assert found.fix.safety is safety


def test_unsafe_fix_needs_unsafe_fixes(linter: Linter) -> None:
    text = "FROM debian\nRUN apt-get install -y git && rm -rf /var/lib/apt/lists/*\n"
    assert fix_text(linter, text)[0] == text
    fixed = fix_text(linter, text, unsafe=True)[0]
    assert "--no-install-recommends" in fixed
    assert "ca-certificates" in fixed


@pytest.mark.parametrize(
    "first",
    [
        "cd /src",
        "cd /src && make",
        "export PATH=/x:$PATH && make",
        "set -x",
        "umask 077",
        "trap 'rm -f /x' EXIT",
        "exit 0",
        "exec make",
        "source /etc/profile && make",
        ". /etc/profile",
        "f() { :; }",
        "if true; then cd /x; fi",
    ],
)
def test_a_body_that_changes_the_shell_is_merged_in_a_subshell(linter: Linter, first: str) -> None:
    text = f"FROM debian\nRUN {first}\nRUN make install\n"
    (found,) = of(linter, text, "IK101")
    assert found.fix is not None
    assert found.fix.safety is FixSafety.SAFE
    assert "subshell" in found.fix.description
    assert fix_rule(linter, text, "IK101") == (
        f"FROM debian\nRUN ( {first} ) \\\n    && make install\n"
    )


@pytest.mark.parametrize("first", ["apt-get update", "a && b", "a || b", "a; b", "a | b > /x 2>&1"])
def test_plain_first_body_is_not_wrapped(linter: Linter, first: str) -> None:
    text = f"FROM debian\nRUN {first}\nRUN c\n"
    (found,) = of(linter, text, "IK101")
    assert found.fix is not None and "subshell" not in found.fix.description
    assert fix_rule(linter, text, "IK101") == f"FROM debian\nRUN {first} \\\n    && c\n"


# The fixer -------------------------------------------------------------------------------


def test_touching_fixes_wait_for_the_next_pass(linter: Linter) -> None:
    text = "FROM node\nRUN npm ci && yarn install\n"
    once, applied = apply_fixes(text, linter.lint_text(text), unsafe=False)
    assert [f.rule for f in applied] == ["IK205"]
    assert once == "FROM node\nRUN npm ci && yarn install && npm cache clean --force\n"
    fixed, applied_all, remaining = fix_text(linter, text)
    assert fixed == (
        "FROM node\nRUN npm ci && yarn install && npm cache clean --force && yarn cache clean\n"
    )
    assert len(applied_all) == 2
    assert not [f for f in remaining if f.rule == "IK205"]


def test_same_edits_from_two_rules_apply_once(linter: Linter) -> None:
    text = "FROM debian\nRUN curl -o /tmp/x.tgz https://example.com/x.tgz\nRUN rm /tmp/x.tgz\n"
    found = linter.lint_text(text)
    merge = [f for f in found if f.rule in ("IK101", "IK102")]
    assert len(merge) == 2 and merge[0].fix is not None and merge[1].fix is not None
    assert {e[:3] for e in merge[0].fix.edits} == {e[:3] for e in merge[1].fix.edits}
    fixed, applied = apply_fixes(text, found)
    assert {f.rule for f in applied} >= {"IK101", "IK102"}
    assert fixed.count("rm /tmp/x.tgz") == 1


def test_three_runs_merge_in_passes(linter: Linter) -> None:
    text = "FROM debian\nRUN a\nRUN cd /x\nRUN b\nRUN c\n"
    fixed = fix_text(linter, text)[0]
    # The second merge touches the first: it waits, and then the merged RUN holds the cd.
    assert fixed == "FROM debian\nRUN ( a \\\n    && cd /x ) \\\n    && b \\\n    && c\n"


def test_example_fixes_in_one_go(linter: Linter) -> None:
    before = (ROOT / "examples" / "python-service" / "Dockerfile").read_text()
    fixed, applied, remaining = fix_text(linter, before)
    assert fixed == (
        "# A Python service as many teams first write it: every layer keeps a cache.\n"
        "FROM python:3.12\n\n"
        "RUN apt-get update \\\n"
        "    && apt-get install -y curl build-essential \\\n"
        "    && apt-get clean \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n\n"
        "WORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt \\\n"
        "    && chown -R nobody:nogroup /app\n\n"
        'USER nobody\nCMD ["python", "app.py"]\n'
    )
    assert {f.rule for f in applied} == {"IK101", "IK201", "IK204"}
    # unsafe: IK103's move into COPY --chown, IK202's --no-install-recommends (build-essential)
    assert [f.rule for f in remaining if f.fix is not None] == ["IK103", "IK202"]


def test_ignored_findings_are_not_fixed(linter: Linter) -> None:
    text = (
        "FROM node:20-slim\n# imagekit ignore=IK205\nRUN npm ci --omit=dev\n"
        "ENV A=1\nRUN npm ci --omit=dev\n"
    )
    assert fix_text(linter, text)[0] == (
        "FROM node:20-slim\n# imagekit ignore=IK205\nRUN npm ci --omit=dev\n"
        "ENV A=1\nRUN npm ci --omit=dev && npm cache clean --force\n"
    )


@pytest.mark.parametrize("rule", FIXED_RULES)
def test_catalogue_bad_example_fix_is_clean(linter: Linter, rule: str) -> None:
    with (ROOT / "rules" / f"{rule}.toml").open("rb") as handle:
        bad = tomllib.load(handle)["bad"]
    fixed, _, remaining = fix_text(linter, bad, unsafe=True)
    assert not [f for f in remaining if f.rule == rule and f.fix is not None]
    assert fix_text(linter, fixed, unsafe=True)[0] == fixed
    buildkit.parse_string(fixed)


def test_fix_bytes_keeps_the_byte_order_mark(linter: Linter) -> None:
    data = b"\xef\xbb\xbfFROM node\nRUN npm ci\n"
    fixed = fix_bytes(linter, data, "Dockerfile", None)
    assert fixed.after == b"\xef\xbb\xbfFROM node\nRUN npm ci && npm cache clean --force\n"
    assert fixed.changed and [f.rule for f in fixed.applied] == ["IK205"]


def test_undecodable_bytes_are_left_alone(linter: Linter) -> None:
    data = b"FROM node\nRUN npm ci \xff\n"
    fixed = fix_bytes(linter, data, "Dockerfile", None)
    assert fixed.after == data and not fixed.changed


def test_unified_diff(linter: Linter) -> None:
    fixed = fix_bytes(linter, b"FROM node\nRUN npm ci\n", "sub/Dockerfile", None)
    assert unified_diff(fixed) == (
        "--- a/sub/Dockerfile\n+++ b/sub/Dockerfile\n@@ -1,2 +1,2 @@\n FROM node\n"
        "-RUN npm ci\n+RUN npm ci && npm cache clean --force\n"
    )
    unchanged = fix_bytes(linter, b"FROM node\n", "Dockerfile", None)
    assert unified_diff(unchanged) == ""


def test_diff_of_a_file_without_final_newline(linter: Linter) -> None:
    fixed = fix_bytes(linter, b"FROM node\nRUN npm ci", "Dockerfile", None)
    assert fixed.after == b"FROM node\nRUN npm ci && npm cache clean --force"
    assert unified_diff(fixed).endswith(
        "-RUN npm ci\n\\ No newline at end of file\n"
        "+RUN npm ci && npm cache clean --force\n\\ No newline at end of file\n"
    )


def test_finding_positions_of_edits(linter: Linter) -> None:
    (found,) = of(linter, "FROM node\nRUN npm ci\n", "IK205")
    assert found.fix is not None
    (edit,) = found.fix.edits
    assert (edit.line, edit.column, edit.end_line, edit.end_column) == (2, 11, 2, 11)
    assert edit.text == " && npm cache clean --force"


# A merged RUN does what the two RUNs did: run both ways with /bin/sh --------------------

MERGES = [
    ('cd sub && echo "a:$(pwd)" >> "$LOG"', 'echo "b:$(pwd)" >> "$LOG"'),
    ('export X=1; echo a >> "$LOG"', 'echo "b:${X:-unset}" >> "$LOG"'),
    ('set +e; false; echo a >> "$LOG"', 'false; echo b >> "$LOG"'),
    ('echo a >> "$LOG"', 'set -e; false; echo b >> "$LOG"'),
    ("exit 0", 'echo b >> "$LOG"'),
    ("true; false", 'echo b >> "$LOG"'),
    ('false || echo a >> "$LOG"', 'false || echo c >> "$LOG"'),
    ("umask 077; touch f1", 'touch f2; ls -l f2 | cut -c1-10 >> "$LOG"'),
    ('trap \'echo t >> "$LOG"\' EXIT; echo a >> "$LOG"', 'echo b >> "$LOG"'),
    ('echo a >> "$LOG"; false', 'echo b >> "$LOG"'),
    ('echo a >> "$LOG"', 'echo b >> "$LOG"; false'),
    ('echo a >> "$LOG"', 'false && echo b >> "$LOG"; echo c >> "$LOG"'),
    ('f() { echo f >> "$LOG"; }; f', 'echo b >> "$LOG"'),
]


@pytest.mark.parametrize(
    ("shell", "first"),
    [
        ("", "set -e; false; echo a"),
        ("", "set -o errexit; cd /x"),
        ('SHELL ["/bin/sh", "-ec"]\n', "cd /x"),
        ('SHELL ["/bin/bash", "-o", "errexit", "-c"]\n', "cd /x"),
    ],
)
def test_a_subshell_under_errexit_makes_the_merge_unsafe(
    linter: Linter, tmp_path: Path, shell: str, first: str
) -> None:
    # A subshell left of `&&` runs with errexit ignored: `( set -e; false; echo a ) && b`
    # prints a and runs b, where the two RUNs stopped at false.
    text = f"FROM debian\n{shell}RUN {first}\nRUN make\n"
    (found,) = of(linter, text, "IK101")
    assert found.fix is not None and found.fix.safety is FixSafety.UNSAFE
    assert "set -e" in found.fix.description
    assert fix_text(linter, text)[0] == text
    assert f"RUN ( {first} ) \\\n    && make\n" in fix_text(linter, text, unsafe=True)[0]


@pytest.mark.parametrize(
    ("first", "second"), [("a & b", "c"), ("a", "b & c"), ("a; b &", "c"), ("cd /x && a &", "b")]
)
def test_a_background_job_makes_the_merge_unsafe(linter: Linter, first: str, second: str) -> None:
    (found,) = of(linter, f"FROM debian\nRUN {first}\nRUN {second}\n", "IK101")
    assert found.fix is not None and found.fix.safety is FixSafety.UNSAFE
    assert "background" in found.fix.description


def test_errexit_is_lost_in_a_subshell_left_of_and(tmp_path: Path) -> None:
    separate = _run(['set -e; false; echo a >> "$LOG"', 'echo b >> "$LOG"'], tmp_path / "two")
    merged = _run(['( set -e; false; echo a >> "$LOG" ) && echo b >> "$LOG"'], tmp_path / "one")
    assert separate == ("", False)
    assert merged == ("a\nb\n", True)


def test_errexit_without_a_subshell_keeps_the_merge_safe(linter: Linter) -> None:
    text = 'FROM debian\nSHELL ["/bin/sh", "-ec"]\nRUN a; b\nRUN c\n'
    (found,) = of(linter, text, "IK101")
    assert found.fix is not None and found.fix.safety is FixSafety.SAFE


def _run(bodies: list[str], where: Path) -> tuple[str, bool]:
    """Run each body in a fresh shell, stopping at the first failure, as a build does."""
    where.mkdir()
    (where / "sub").mkdir()
    log = where / "log"
    log.touch()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG": str(log)}
    ok = True
    for body in bodies:
        done = subprocess.run(["/bin/sh", "-c", body], cwd=where, env=env, check=False)
        if done.returncode:
            ok = False
            break
    return log.read_text().replace(str(where), "."), ok


@pytest.mark.parametrize(("first", "second"), MERGES)
def test_merged_run_does_what_two_runs_did(
    linter: Linter, tmp_path: Path, first: str, second: str
) -> None:
    text = f"FROM debian\nRUN {first}\nRUN {second}\n"
    (found,) = of(linter, text, "IK101")
    assert found.fix is not None and found.fix.safety is FixSafety.SAFE
    fixed = fix_rule(linter, text, "IK101")
    runs = [c for c in buildkit.parse_string(fixed) if c.cmd == "RUN"]
    assert len(runs) == 1
    assert _run([runs[0].value[0]], tmp_path / "merged") == _run([first, second], tmp_path / "two")


# Instruction rewrites: unsafe, since the image changes in a way a tool may notice ---------

REWRITES = [
    (
        "IK503",
        "FROM debian\nMAINTAINER Jane Doe <jane@example.com>\n",
        'FROM debian\nLABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"\n',
    ),
    (
        "IK503",
        'FROM debian\nmaintainer "Jane"   \n',
        'FROM debian\nlabel org.opencontainers.image.authors="Jane"   \n',
    ),
    (
        "IK501",
        "FROM debian\nADD --chown=1:1 app.py /app/\n",
        "FROM debian\nCOPY --chown=1:1 app.py /app/\n",
    ),
    ("IK501", "FROM debian\nadd a.txt b.txt /x/\n", "FROM debian\ncopy a.txt b.txt /x/\n"),
]


@pytest.mark.parametrize(("rule", "before", "after"), REWRITES)
def test_rewrites_are_unsafe(linter: Linter, rule: str, before: str, after: str) -> None:
    (found,) = of(linter, before, rule)
    assert found.fix is not None and found.fix.safety is FixSafety.UNSAFE
    assert fix_text(linter, before)[0] == before
    assert fix_rule(linter, before, rule) == after
    fixed, _, remaining = fix_text(linter, before, unsafe=True)
    assert fixed == after
    assert not [f for f in remaining if f.rule == rule]


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("IK501", "FROM debian\nADD a.txt b.tar.gz /x/\n"),  # COPY would not unpack b.tar.gz
        ("IK501", "FROM debian\nADD --checksum=sha256:0123 a.txt /x/\n"),  # ADD's own flag
        ("IK503", "FROM debian\nMAINTAINER Jane \\\n  # the team\n  Doe\n"),
    ],
)
def test_rewrites_left_alone(linter: Linter, rule: str, text: str) -> None:
    found = of(linter, text, rule)
    assert found and all(f.fix is None for f in found)


# Fixes in the output formats --------------------------------------------------------------


def test_tty_marks_safe_fixes_and_counts_them(linter: Linter) -> None:
    from imagekit.lint.output import render

    text = "FROM node:20-slim\nRUN npm ci --omit=dev\nRUN apt-get install -y git && rm -rf /var/lib/apt/lists/*\n"
    lines = render(sorted(linter.lint_text(text), key=lambda f: f.sort_key), "tty").splitlines()
    ik205 = next(line for line in lines if " IK205 " in line)
    ik202 = next(line for line in lines if " IK202 " in line)
    assert "[npm-cache-left] [*] `npm ci`" in ik205
    assert "[*]" not in ik202
    assert lines[-1].endswith("; 2 fixable with --fix, 1 more with --unsafe-fixes")


def test_tty_shows_display_only_fixes() -> None:
    from imagekit.catalog import Severity
    from imagekit.lint.findings import Fix
    from imagekit.lint.output import render

    fix = Fix(FixSafety.DISPLAY, "write the LABEL by hand", (Edit(0, 0, "x"),))
    finding = Finding(
        "Dockerfile", "IK503", "maintainer-instruction", Severity.STYLE, "m", 1, 1, 1, 2, fix
    )
    assert not finding.fixable
    assert render([finding], "tty").splitlines()[:2] == [
        "Dockerfile:1:1: IK503 style [maintainer-instruction] m",
        "    suggested fix: write the LABEL by hand",
    ]


def test_sarif_fixes(linter: Linter) -> None:
    import json

    from imagekit.lint.output import render

    found = of(linter, "FROM node:20-slim\nRUN npm ci --omit=dev\n", "IK205")
    (result,) = json.loads(render(found, "sarif"))["runs"][0]["results"]
    assert result["fixes"] == [
        {
            "description": {
                "text": "clean the npm cache: end the RUN with `npm cache clean --force`"
            },
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "Dockerfile"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 2,
                                "startColumn": 22,
                                "endLine": 2,
                                "endColumn": 22,
                            },
                            "insertedContent": {"text": " && npm cache clean --force"},
                        }
                    ],
                }
            ],
            "properties": {"safety": "safe"},
        }
    ]


def test_json_fix_is_null_without_one(linter: Linter) -> None:
    import json

    from imagekit.lint.output import render

    found = linter.lint_text("FROM node\nRUN npm ci --omit=dev && npm cache clean --force\n")
    items = json.loads(render(found, "json"))
    assert items and all(i["fix"] is None and i["fixable"] is False for i in items)
