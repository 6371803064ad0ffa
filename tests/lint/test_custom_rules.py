"""A team's own declarative rules: the four shapes, the worked examples and validation."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from imagekit.catalog import Severity, load_data
from imagekit.dockerfile import parse
from imagekit.dockerfile.shell import ShellParser
from imagekit.errors import ConfigError
from imagekit.lint.context import Context, LintOptions
from imagekit.lint.custom import load_rule_dirs, validate_rule_dirs
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "custom-rules"

BASE: dict[str, object] = {
    "id": "ACME101",
    "name": "some-pattern",
    "severity": "warning",
    "category": "practice",
    "summary": "A pattern the team does not want.",
    "why": "It costs the team time.",
    "bad": "FROM debian:bookworm-slim\nRUN wget https://downloads.example.com/x\n",
    "good": "FROM debian:bookworm-slim\nRUN true\n",
    "fix": "Do the other thing.\n\nMore words that are not in the message.",
}
WGET: dict[str, object] = {"command": "wget"}


def _value(value: object) -> str:
    return json.dumps(value)  # JSON strings, lists and booleans are valid TOML values


def _write(
    directory: Path,
    match: Mapping[str, object] | None = None,
    filename: str | None = None,
    **fields: object,
) -> Path:
    """A rule file: BASE with ``fields`` changed (None drops a key) and a [match] table."""
    data = {k: v for k, v in {**BASE, **fields}.items() if v is not None}
    text = "".join(f"{key} = {_value(value)}\n" for key, value in data.items())
    if match is not None:
        text += "\n[match]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in match.items())
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (filename or f"{data.get('id', 'ACME101')}.toml")
    path.write_text(text)
    return path


def _linter(directory: Path) -> Linter:
    return Linter(LintOptions(rule_dirs=(str(directory),)))


def _spans(
    tmp_path: Path, match: Mapping[str, object], dockerfile: str
) -> list[tuple[int, int, int, int]]:
    """``(line, column, end_line, end_column)`` of each violation of rule ACME101 in ``match``.

    Runs the rule's check alone, on a dedented ``dockerfile``; its examples are not checked.
    """
    _write(tmp_path / "rules", match)
    check = load_rule_dirs([tmp_path / "rules"]).checks["ACME101"]
    model = parse(textwrap.dedent(dockerfile).lstrip("\n"))
    assert not model.problems
    ctx = Context(model, ShellParser(), LintOptions(), None, load_data)
    spans = [model.span(v.start, v.end) for v in check(ctx)]
    return [(s.line, s.column, s.end_line, s.end_column) for s in spans]


def _at(line: int, text: str, snippet: str) -> tuple[int, int, int, int]:
    """The span of ``snippet`` in ``text``, which is line ``line`` of the Dockerfile."""
    column = text.index(snippet) + 1
    return (line, column, line, column + len(snippet))


# -- shape 1: command without flag ----------------------------------------------------------

CURL = {"command": "curl", "without-flag": ["--fail", "-f"]}


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN curl -o /x https://a.example.com/x", [(2, 5, 2, 39)]),
        ("RUN curl -sSL https://a.example.com/x | sh", [(2, 5, 2, 38)]),
        ("RUN true && sudo curl -sS https://a.example.com/x", [(2, 13, 2, 50)]),
        ("RUN /usr/bin/curl https://a.example.com/x", [(2, 5, 2, 42)]),
        ("RUN sh -c 'curl https://a.example.com/x'", [(2, 12, 2, 40)]),
        ("RUN curl -s \\\n  https://a.example.com/x", [(2, 5, 3, 26)]),
        ('RUN ["curl", "https://a.example.com/x"]', [(2, 1, 2, 40)]),
    ],
)
def test_command_without_flag_fires(
    tmp_path: Path, run: str, expected: list[tuple[int, int, int, int]]
) -> None:
    assert _spans(tmp_path, CURL, f"FROM debian:bookworm-slim\n{run}\n") == expected


@pytest.mark.parametrize(
    "run",
    [
        "RUN curl -fsSL https://a.example.com/x",
        "RUN curl --fail https://a.example.com/x",
        "RUN curl -sS -f https://a.example.com/x",
        "RUN echo curl",
        "RUN wget https://a.example.com/x",
        "RUN curlie https://a.example.com/x",
    ],
)
def test_command_with_flag_or_other_command_does_not_fire(tmp_path: Path, run: str) -> None:
    assert _spans(tmp_path, CURL, f"FROM debian:bookworm-slim\n{run}\n") == []


PIP = {"command": "pip", "subcommand": "install", "without-flag": "--no-cache-dir"}


@pytest.mark.parametrize(
    ("run", "fires"),
    [
        ("pip install flask", True),
        ("pip3 install flask", True),
        ("python3 -m pip install flask", True),
        ("pip --cache-dir /c install flask", True),
        ("pip install --no-cache-dir flask", False),
        ("python3 -m pip install --no-cache-dir flask", False),
        ("pip download flask", False),
        ("pip --cache-dir /install download flask", False),
        ("python3 -m venv /venv", False),
    ],
)
def test_subcommand_and_pip_family(tmp_path: Path, run: str, fires: bool) -> None:
    found = _spans(tmp_path, PIP, f"FROM python:3.12-slim\nRUN {run}\n")
    assert found == ([(2, 5, 2, 5 + len(run))] if fires else [])


def test_apt_value_options_before_the_subcommand(tmp_path: Path) -> None:
    match = {"command": "apt-get", "subcommand": ["install"], "without-flag": "-q"}
    run = "RUN apt-get -o Dpkg::Use-Pty=0 install -y tini\n"
    assert _spans(tmp_path, match, "FROM debian:bookworm-slim\n" + run) == [(2, 5, 2, 47)]
    quiet = "RUN apt-get -o Dpkg::Use-Pty=0 -qy install tini\n"
    assert _spans(tmp_path, match, "FROM debian:bookworm-slim\n" + quiet) == []


def test_message_names_the_command_flags_and_fix(tmp_path: Path) -> None:
    _write(tmp_path / "rules", PIP, bad="FROM python:3\nRUN python -m pip install x\n")
    [finding] = [
        f
        for f in _linter(tmp_path / "rules").lint_text(
            "FROM python:3\nRUN python -m pip install x\n"
        )
        if f.rule == "ACME101"
    ]
    assert finding.message == (
        "`python -m pip install` runs without `--no-cache-dir`. Do the other thing."
    )


BUILDER = """\
FROM debian:bookworm-slim AS fetch
RUN curl -o /x https://a.example.com/x
FROM debian:bookworm-slim
COPY --from=fetch /x /x
RUN curl -o /y https://a.example.com/y
"""


def test_command_shapes_judge_shipped_stages_unless_told(tmp_path: Path) -> None:
    assert _spans(tmp_path, CURL, BUILDER) == [(5, 5, 5, 39)]
    everywhere = {**CURL, "stages": "all"}
    assert _spans(tmp_path, everywhere, BUILDER) == [(2, 5, 2, 39), (5, 5, 5, 39)]


def test_command_alone_flags_every_use(tmp_path: Path) -> None:
    text = "FROM debian:bookworm-slim\nRUN wget -q https://a.example.com/x && wget -V\n"
    assert _spans(tmp_path, WGET, text) == [(2, 5, 2, 36), (2, 40, 2, 47)]


# -- shape 2: command without cleanup in the same RUN ---------------------------------------

CONDA = {"command": "conda", "subcommand": "install", "cleanup": "/opt/conda/pkgs"}


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN conda install -y numpy", [(2, 5, 2, 27)]),
        ("RUN rm -rf /opt/conda/pkgs && conda install -y numpy", [(2, 31, 2, 53)]),
        ("RUN conda install -y numpy && rm -rf /opt/conda/pkgs/*", []),
        ("RUN conda install -y numpy && rm -rf /opt/conda", []),
        ("RUN conda install -y numpy && find /opt/conda/pkgs -delete", []),
        ("RUN --mount=type=cache,target=/opt/conda/pkgs conda install -y numpy", []),
        ("RUN conda create -n app python", []),
    ],
)
def test_cleanup_path(tmp_path: Path, run: str, expected: list[tuple[int, int, int, int]]) -> None:
    assert _spans(tmp_path, CONDA, f"FROM debian:bookworm-slim\n{run}\n") == expected


def test_cleanup_in_a_later_run_does_not_count(tmp_path: Path) -> None:
    text = "FROM debian:bookworm-slim\nRUN conda install -y numpy\nRUN rm -rf /opt/conda/pkgs\n"
    assert _spans(tmp_path, CONDA, text) == [(2, 5, 2, 27)]


CONDA_CLEAN = {"command": "conda", "subcommand": "install", "cleanup-command": "conda clean -a"}


@pytest.mark.parametrize(
    ("run", "fires"),
    [
        ("conda install -y numpy", True),
        ("conda install -y numpy && conda clean -afy", False),
        ("conda install -y numpy && conda clean --all", True),  # a long name is not -a
        ("conda install -y numpy && conda clean -t", True),
        ("conda install -y numpy; conda clean -ay", False),
    ],
)
def test_cleanup_command(tmp_path: Path, run: str, fires: bool) -> None:
    found = _spans(tmp_path, CONDA_CLEAN, f"FROM debian:bookworm-slim\nRUN {run}\n")
    assert found == ([(2, 5, 2, 27)] if fires else [])


def test_cleanup_command_before_the_command_does_not_count(tmp_path: Path) -> None:
    run = "RUN conda clean -a && conda install -y numpy"
    assert _spans(tmp_path, CONDA_CLEAN, f"FROM debian:bookworm-slim\n{run}\n") == [
        _at(2, run, "conda install -y numpy")
    ]


def test_several_cleanup_commands_any_counts(tmp_path: Path) -> None:
    match = {
        "command": "yum",
        "subcommand": "install",
        "cleanup-command": ["yum clean all", "rm -rf /var/cache/yum"],
    }
    base = "FROM rockylinux:9\nRUN yum install -y tar && "
    assert _spans(tmp_path, match, base + "yum clean all\n") == []
    assert _spans(tmp_path, match, base + "yum -q clean all\n") == []
    assert _spans(tmp_path, match, base + "rm -rf /var/cache/yum\n") == []
    assert _spans(tmp_path, match, base + "rm -f -r /var/cache/yum\n") == []
    assert _spans(tmp_path, match, base + "rm -f /var/cache/yum\n") == [(2, 5, 2, 23)]
    assert _spans(tmp_path, match, base + "yum clean metadata\n") == [(2, 5, 2, 23)]


def test_flag_or_cleanup_either_is_enough(tmp_path: Path) -> None:
    match = {
        "command": "apk",
        "subcommand": "add",
        "without-flag": "--no-cache",
        "cleanup": "/var/cache/apk",
    }
    base = "FROM alpine:3.20\nRUN "
    assert _spans(tmp_path, match, base + "apk add --no-cache tini\n") == []
    assert _spans(tmp_path, match, base + "apk add tini && rm -rf /var/cache/apk/*\n") == []
    assert _spans(tmp_path, match, base + "apk add tini\n") == [(2, 5, 2, 17)]


def test_cleanup_message(tmp_path: Path) -> None:
    match = {**CONDA, "cleanup-command": "conda clean -a"}
    bad = "FROM debian:bookworm-slim\nRUN conda install -y numpy\n"
    _write(tmp_path / "rules", match, bad=bad)
    [finding] = [f for f in _linter(tmp_path / "rules").lint_text(bad) if f.rule == "ACME101"]
    assert finding.message == (
        "`conda install` is not followed in the same RUN by removing /opt/conda/pkgs "
        "or `conda clean -a`. Do the other thing."
    )


# -- shape 3: FROM image matching a glob ----------------------------------------------------

PYTHON = {"from": "python:*"}


@pytest.mark.parametrize(
    ("base", "fires"),
    [
        ("python:3.12-slim", True),
        ("python", True),
        ("docker.io/library/python:3.12", True),
        ("docker.io/python:3.12", True),
        ("python:3.12@sha256:" + "a" * 64, True),
        ("registry.example.com/base/python:3.12", False),
        ("pythonista:1", False),
        ("library/python-tools:1", False),
        ("scratch", False),
    ],
)
def test_from_glob(tmp_path: Path, base: str, fires: bool) -> None:
    text = f"FROM {base}\nRUN true\n"
    assert _spans(tmp_path, PYTHON, text) == ([(1, 1, 1, 6 + len(base))] if fires else [])


def test_from_glob_without_tag_matches_the_name(tmp_path: Path) -> None:
    text = "FROM python:3.12\nFROM python-tools:1\nFROM python@sha256:" + "b" * 64 + "\n"
    assert _spans(tmp_path, {"from": "python"}, text) == [(1, 1, 1, 17), (3, 1, 3, 84)]
    assert _spans(tmp_path, {"from": "python@sha256:b*"}, text) == [(3, 1, 3, 84)]


def test_from_skips_stage_names_and_unresolved_args(tmp_path: Path) -> None:
    text = """\
        ARG BASE
        ARG TAG=3.12
        FROM python:${TAG} AS build
        FROM build AS test
        FROM ${BASE}
        FROM build
        """
    assert _spans(tmp_path, PYTHON, text) == [(3, 1, 3, 28)]


def test_from_glob_list_and_shipped_scope(tmp_path: Path) -> None:
    text = "FROM node:20 AS web\nFROM golang:1.22 AS go\nFROM python:3.12-slim\nCOPY --from=web /a /a\n"
    match = {"from": ["node:*", "python:3.12*"]}
    assert _spans(tmp_path, match, text) == [(1, 1, 1, 20), (3, 1, 3, 22)]
    shipped = {**match, "stages": "shipped"}
    assert _spans(tmp_path, shipped, text) == [(3, 1, 3, 22)]


def test_from_glob_on_registry(tmp_path: Path) -> None:
    match = {"from": "*.example.org/*"}
    text = "FROM mirror.example.org/team/app:1\nFROM registry.example.com/app:1\n"
    assert _spans(tmp_path, match, text) == [(1, 1, 1, 35)]


# -- shape 4: instruction matching a regular expression -------------------------------------


def test_instruction_without_arguments_covers_its_first_line(tmp_path: Path) -> None:
    text = "FROM debian:bookworm-slim\nADD a.tar /\nCOPY b /b\nadd --chown=1 c \\\n  /c\n"
    assert _spans(tmp_path, {"instruction": "ADD"}, text) == [(2, 1, 2, 12), (4, 1, 4, 18)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ADD https://a.example.com/x.tgz /x", [(2, 5, 2, 13)]),
        ("ADD --checksum=sha256:00 http://a.example.com/x /x", [(2, 26, 2, 33)]),
        ("ADD \\\n  https://a.example.com/x /x", [(3, 3, 3, 11)]),
        ("ADD x.tgz /x", []),
        ("COPY https://a.example.com/x /x", []),
    ],
)
def test_instruction_arguments_regex_points_at_the_match(
    tmp_path: Path, line: str, expected: list[tuple[int, int, int, int]]
) -> None:
    match = {"instruction": "ADD", "arguments": "https?://"}
    assert _spans(tmp_path, match, f"FROM debian:bookworm-slim\n{line}\n") == expected


def test_readme_add_url_pattern(tmp_path: Path) -> None:
    match = {"instruction": "ADD", "arguments": r"^(--\S+\s+)*https?://"}
    text = (
        "FROM debian:bookworm-slim\n"
        "ADD --chmod=644 https://a.example.com/x /x\n"
        "ADD x.tgz https://a.example.com/\n"
        "ADD http://a.example.com/y /y\n"
    )
    assert _spans(tmp_path, match, text) == [(2, 5, 2, 25), (4, 5, 4, 12)]


def test_instruction_regex_sees_flags_and_anchors_at_the_arguments(tmp_path: Path) -> None:
    match = {"instruction": ["copy", "ADD"], "arguments": "^--chmod=7"}
    text = "FROM debian:bookworm-slim\nCOPY --chmod=755 a /a\nCOPY a --chmod=755\n"
    assert _spans(tmp_path, match, text) == [(2, 6, 2, 15)]


def test_instruction_scope(tmp_path: Path) -> None:
    text = "FROM debian:bookworm-slim AS b\nEXPOSE 22\nFROM debian:bookworm-slim\nEXPOSE 22\n"
    match = {"instruction": "EXPOSE", "arguments": r"^22\b"}
    assert _spans(tmp_path, match, text) == [(2, 8, 2, 10), (4, 8, 4, 10)]
    assert _spans(tmp_path, {**match, "stages": "shipped"}, text) == [(4, 8, 4, 10)]


def test_instruction_can_be_from_or_a_global_arg(tmp_path: Path) -> None:
    text = "ARG PASSWORD=x\nFROM --platform=linux/amd64 debian:bookworm-slim\n"
    assert _spans(tmp_path, {"instruction": "FROM", "arguments": "--platform"}, text) == [
        (2, 6, 2, 16)
    ]
    assert _spans(tmp_path, {"instruction": "ARG", "arguments": "(?i)password"}, text) == [
        (1, 5, 1, 13)
    ]


# -- findings through the engine -----------------------------------------------------------


def _custom_findings(linter: Linter, text: str) -> list[Finding]:
    found = [f for f in linter.lint_text(text) if f.rule.startswith("ACME")]
    return sorted(found, key=lambda f: f.sort_key)


def test_findings_carry_the_rule_files_name_and_severity(tmp_path: Path) -> None:
    _write(tmp_path / "rules", WGET, severity="error", name="wget-used")
    linter = _linter(tmp_path / "rules")
    found = linter.lint_text("FROM debian:bookworm-slim\nRUN apt-get update && wget -q x\n")
    custom = [f for f in found if f.rule == "ACME101"]
    assert [(f.name, f.severity, f.line, f.column) for f in custom] == [
        ("wget-used", Severity.ERROR, 2, 23)
    ]
    assert isinstance(custom[0], Finding)
    assert "IK201" in {f.rule for f in found}  # shipped rules still run


def test_rule_off_by_default_runs_only_when_enabled(tmp_path: Path) -> None:
    _write(tmp_path / "rules", WGET, enabled=False)
    text = "FROM debian:bookworm-slim\nRUN wget x\n"
    dirs = (str(tmp_path / "rules"),)
    assert _custom_findings(Linter(LintOptions(rule_dirs=dirs)), text) == []
    for enable in ({"ACME101"}, {"ALL"}):
        on = Linter(LintOptions(rule_dirs=dirs, enable=frozenset(enable)))
        assert [f.line for f in _custom_findings(on, text)] == [2]


def test_rules_from_several_directories(tmp_path: Path) -> None:
    _write(tmp_path / "a", WGET)
    _write(
        tmp_path / "b",
        {"instruction": "MAINTAINER"},
        id="ACME7001",
        name="maintainer",
        bad="FROM debian:bookworm-slim\nMAINTAINER me\n",
    )
    (tmp_path / "b" / "README.md").write_text("not a rule\n")
    custom = load_rule_dirs([tmp_path / "a", str(tmp_path / "b")])
    assert list(custom.rules) == ["ACME101", "ACME7001"]
    assert custom.files["ACME7001"] == str(tmp_path / "b" / "ACME7001.toml")
    linter = Linter(LintOptions(rule_dirs=(str(tmp_path / "a"), str(tmp_path / "b"))))
    text = "FROM debian:bookworm-slim\nMAINTAINER me\nRUN wget x\n"
    assert [(f.rule, f.line) for f in _custom_findings(linter, text)] == [
        ("ACME7001", 2),
        ("ACME101", 3),
    ]


def test_any_kebab_case_category(tmp_path: Path) -> None:
    _write(tmp_path, WGET, category="supply-chain")
    assert load_rule_dirs([tmp_path]).rules["ACME101"].category == "supply-chain"


# -- the worked examples --------------------------------------------------------------------


def test_examples_load_and_their_bad_and_good_behave() -> None:
    custom = validate_rule_dirs([EXAMPLES])
    assert sorted(custom.rules) == ["ACME101", "ACME102"]
    linter = Linter(LintOptions(rule_dirs=(str(EXAMPLES),)))
    expected = {"ACME101": [(4, 5, 4, 80)], "ACME102": [(1, 1, 1, 22)]}
    for rule_id, rule in custom.rules.items():
        bad = [f for f in linter.lint_text(rule.bad.lstrip("\n")) if f.rule == rule_id]
        assert [(f.line, f.column, f.end_line, f.end_column) for f in bad] == expected[rule_id]
        assert [f for f in linter.lint_text(rule.good) if f.rule == rule_id] == []


def test_example_messages() -> None:
    linter = Linter(LintOptions(rule_dirs=(str(EXAMPLES),)))
    found = _custom_findings(
        linter, "FROM python:3.12\nRUN curl -sS -o /x https://a.example.com/x\n"
    )
    assert [(f.rule, f.severity) for f in found] == [
        ("ACME102", Severity.ERROR),
        ("ACME101", Severity.WARNING),
    ]
    assert found[0].message.startswith("base image `python:3.12` matches `python:*`. Use ")
    assert found[1].message.startswith(
        "`curl` runs without `--fail`, `-f` or `--fail-with-body`. Add `--fail`"
    )


def test_readme_snippets_are_valid_match_tables(tmp_path: Path) -> None:
    readme = (EXAMPLES / "README.md").read_text()
    snippets = [
        block.split("```", 1)[0]
        for block in readme.split("```toml\n")[1:]
        if block.startswith("[match]")
    ]
    assert len(snippets) == 4
    for i, snippet in enumerate(snippets):
        directory = tmp_path / str(i)
        path = _write(directory, bad="FROM python:3\nRUN x\n", enabled=False)
        path.write_text(path.read_text() + "\n" + snippet)
        custom = load_rule_dirs([directory])
        assert list(custom.rules) == ["ACME101"]


def test_readme_error_example_is_what_the_loader_says(tmp_path: Path) -> None:
    readme = (EXAMPLES / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith("imagekit: error[config]: "))
    _write(tmp_path / "rules.d", {"instruction": "ADD", "arguments": "(x"}, id="ACME103")
    with pytest.raises(ConfigError) as info:
        load_rule_dirs([tmp_path / "rules.d"])
    assert info.value.format() == line.replace("rules.d/", f"{tmp_path}/rules.d/")


def test_readme_documents_every_match_key() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    for key in ("command", "subcommand", "without-flag", "cleanup", "cleanup-command"):
        assert f"`{key}`" in readme
    for key in ("from", "instruction", "arguments", "stages", "rule-dirs"):
        assert f"`{key}`" in readme


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "match", "key", "problem"),
    [
        ({"fix": None}, WGET, "fix", "missing"),
        ({"colour": "red"}, WGET, "colour", "unknown key"),
        ({"id": "acme101"}, WGET, "id", "PREFIXnnn"),
        ({"id": "ACME1"}, WGET, "id", "PREFIXnnn"),
        ({"id": "A101"}, WGET, "id", "PREFIXnnn"),
        ({"id": "IKEA101"}, WGET, "id", "prefix IK is reserved"),
        ({"id": "DL3008"}, WGET, "id", "prefix DL is reserved"),
        ({"id": "SC2086"}, WGET, "id", "prefix SC is reserved"),
        ({"id": "ACME102", "filename": "ACME101.toml"}, WGET, "id", "does not match the file"),
        ({"category": "Supply Chain"}, WGET, "category", "kebab-case"),
        ({"severity": "fatal"}, WGET, "severity", "unknown severity"),
        ({}, None, "match", "missing"),
        ({}, {}, "match", "names no shape"),
        ({}, {"colour": "red"}, "match.colour", "unknown key"),
        ({}, {"command": ""}, "match.command", "non-empty string"),
        ({}, {"command": []}, "match.command", "non-empty string"),
        ({}, {"command": "apt-get install"}, "match.command", "not a command name"),
        ({}, {"command": "curl", "without-flag": "fail"}, "match.without-flag", "not a flag"),
        ({}, {"command": "curl", "without-flag": ["-fs"]}, "match.without-flag", "not a flag"),
        ({}, {"command": "conda", "cleanup": "pkgs"}, "match.cleanup", "absolute path"),
        ({}, {"command": "conda", "cleanup": ["/a"]}, "match.cleanup", "non-empty string"),
        ({}, {"command": "c", "cleanup-command": "'x"}, "match.cleanup-command", "quotation"),
        ({}, {"command": "c", "cleanup-command": " "}, "match.cleanup-command", "non-empty"),
        ({}, {"without-flag": "--fail"}, "match.without-flag", "needs 'match.command'"),
        ({}, {"arguments": "x"}, "match.arguments", "needs 'match.instruction'"),
        ({}, {"command": "curl", "arguments": "x"}, "match.arguments", "belongs with"),
        ({}, {"from": "x", "subcommand": "y"}, "match.subcommand", "belongs with"),
        ({}, {"command": "curl", "from": "python:*"}, "match.from", "one shape per rule"),
        ({}, {"from": "a", "instruction": "ADD"}, "match.instruction", "one shape"),
        ({}, {"instruction": "ADD", "arguments": "(x"}, "match.arguments", "regular expression"),
        ({}, {"instruction": "FETCH"}, "match.instruction", "not a Dockerfile instruction"),
        ({}, {"from": "x", "stages": "builder"}, "match.stages", "one of shipped, all"),
        ({}, {"from": 3}, "match.from", "non-empty string"),
    ],
)
def test_invalid_rule_file_names_file_and_key(
    tmp_path: Path,
    fields: dict[str, Any],
    match: dict[str, object] | None,
    key: str,
    problem: str,
) -> None:
    path = _write(tmp_path, match, **fields)
    with pytest.raises(ConfigError) as info:
        load_rule_dirs([tmp_path])
    message = info.value.message
    assert message.startswith(f"rule file {path}: key {key!r}: ")
    assert problem in message
    assert info.value.exit_code == 2


def test_match_must_be_a_table(tmp_path: Path) -> None:
    path = tmp_path / "ACME101.toml"
    path.write_text("".join(f"{k} = {_value(v)}\n" for k, v in {**BASE, "match": "curl"}.items()))
    with pytest.raises(ConfigError, match=r"key 'match': must be a table") as info:
        load_rule_dirs([tmp_path])
    assert str(path) in info.value.message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ACME101.toml"
    path.write_text("id = \n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_rule_dirs([tmp_path])
    assert str(path) in info.value.message


def test_duplicate_id_across_directories(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", WGET)
    second = _write(tmp_path / "b", WGET, name="other-name")
    with pytest.raises(ConfigError) as info:
        load_rule_dirs([tmp_path / "a", tmp_path / "b"])
    assert info.value.message == (
        f"rule file {second}: key 'id': 'ACME101' is already defined in {first}"
    )


def test_duplicate_name(tmp_path: Path) -> None:
    first = _write(tmp_path, WGET)
    second = _write(tmp_path, WGET, id="ACME102")
    with pytest.raises(ConfigError) as info:
        load_rule_dirs([tmp_path])
    assert info.value.message == (
        f"rule file {second}: key 'name': 'some-pattern' is already used by {first}"
    )


def test_name_of_a_shipped_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, WGET, name="apt-lists-left")
    with pytest.raises(ConfigError) as info:
        load_rule_dirs([tmp_path])
    assert info.value.message == (
        f"rule file {path}: key 'name': 'apt-lists-left' is the name of IK201"
    )


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "rules.d"
    with pytest.raises(ConfigError) as info:
        load_rule_dirs([missing])
    assert info.value.message == f"rule directory {missing} does not exist"
    assert info.value.hint is not None and "rule-dirs" in info.value.hint
    with pytest.raises(ConfigError, match=r"rules\.d does not exist"):
        Linter(LintOptions(rule_dirs=(str(missing),)))


def test_empty_directory_has_no_rules(tmp_path: Path) -> None:
    assert dict(load_rule_dirs([tmp_path]).rules) == {}


@pytest.mark.parametrize(
    ("fields", "key", "problem"),
    [
        ({"bad": "FROM debian:bookworm-slim\nRUN curl x\n"}, "bad", "does not trigger ACME101"),
        (
            {"good": "FROM debian:bookworm-slim\nRUN true\nRUN wget x\n"},
            "good",
            "triggers ACME101 on line 3: `wget` is used",
        ),
        ({"bad": "FROM debian:bookworm-slim\nFETCH x\n"}, "bad", "does not parse"),
    ],
)
def test_examples_are_checked(
    tmp_path: Path, fields: dict[str, Any], key: str, problem: str
) -> None:
    path = _write(tmp_path, WGET, **fields)
    load_rule_dirs([tmp_path])  # the file itself is well-formed
    with pytest.raises(ConfigError) as info:
        validate_rule_dirs([tmp_path])
    assert info.value.message.startswith(f"rule file {path}: key {key!r}: {problem}")
    with pytest.raises(ConfigError, match=f"key {key!r}"):
        _linter(tmp_path)


def test_configuration_names_the_rule_directory(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from imagekit.cli import cli

    _write(tmp_path / "team-rules", WGET, severity="error", name="wget-used")
    (tmp_path / ".imagekit.yaml").write_text("lint:\n  rule-dirs: [team-rules]\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:bookworm-slim\nRUN wget -q https://a.example.com/x\n")
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(dockerfile)])
    assert result.exit_code == 1, result.output
    found = [f for f in json.loads(result.stdout) if f["rule"] == "ACME101"]
    assert [(f["line"], f["column"], f["severity"]) for f in found] == [(2, 5, "error")]
