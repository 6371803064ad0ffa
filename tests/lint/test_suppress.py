"""Inline ignore comments: imagekit's own and hadolint's."""

from __future__ import annotations

import textwrap

import pytest

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.policy import FilePolicy
from imagekit.lint.suppress import directive

BASE = "FROM debian:bookworm-slim\n"
APT = "RUN apt-get update && apt-get install -y curl\n"  # IK201 and IK202


def rules(text: str, *, inline: bool = True) -> list[tuple[str, int]]:
    text = textwrap.dedent(text).lstrip("\n")
    options = LintOptions()
    linter = Linter(options, policy=FilePolicy(options, inline_ignores=inline))
    return sorted((f.rule, f.line) for f in linter.lint_text(text))


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# imagekit ignore=IK201", [("IK202", 3)]),
        ("# imagekit ignore=IK201,IK202", []),
        ("# imagekit ignore=IK201, IK202", []),
        ("#imagekit ignore = ik201 ik202", []),
        ("# imagekit ignore=apt-lists-left", [("IK202", 3)]),
        ("# hadolint ignore=DL3009", [("IK202", 3)]),
        ("# hadolint ignore=DL3009,DL3015", []),
        ("# imagekit ignore=IK999", [("IK201", 3), ("IK202", 3)]),
        ("# imagekit ignores=IK201", [("IK201", 3), ("IK202", 3)]),
        ("# ignore=IK201", [("IK201", 3), ("IK202", 3)]),
        ("# imagekit ignore=IK201 # because the base image cleans up", [("IK202", 3)]),
    ],
)
def test_ignore_comment_above_the_instruction(
    comment: str, expected: list[tuple[str, int]]
) -> None:
    assert rules(BASE + comment + "\n" + APT) == expected


def test_ignore_applies_to_the_next_instruction_only() -> None:
    text = BASE + "# imagekit ignore=IK201,IK202\n" + APT + APT
    assert rules(text) == [("IK101", 4), ("IK201", 4), ("IK202", 4)]


def test_blank_line_breaks_the_link_to_the_instruction() -> None:
    text = BASE + "# imagekit ignore=IK201\n\n" + APT
    assert ("IK201", 4) in rules(text)


def test_several_comment_lines_above() -> None:
    text = BASE + "# imagekit ignore=IK201\n# why: the base cleans up\n# hadolint ignore=DL3015\n"
    assert rules(text + APT) == []


def test_covers_every_line_of_a_continued_instruction() -> None:
    text = BASE + "# imagekit ignore=IK202\nRUN apt-get update \\\n && apt-get install -y curl\n"
    assert rules(text) == [("IK201", 3)]


def test_global_ignore_anywhere_in_the_file() -> None:
    text = BASE + APT + "# imagekit global ignore=IK202\n" + "RUN echo done\n"
    assert rules(text) == [("IK101", 4), ("IK201", 2)]
    assert rules(BASE + APT + "# hadolint global ignore=DL3059, DL3009\nRUN echo x\n") == [
        ("IK202", 2)
    ]


def test_syntax_errors_cannot_be_ignored() -> None:
    text = "# imagekit global ignore=IK001\nRUN echo before from\n"
    assert ("IK001", 2) in rules(text) or ("IK001", 1) in rules(text)


def test_inline_ignores_can_be_switched_off() -> None:
    text = BASE + "# imagekit ignore=IK201,IK202\n" + APT
    assert rules(text, inline=False) == [("IK201", 3), ("IK202", 3)]


def test_directive_parsing() -> None:
    assert directive("# imagekit ignore=IK101") == (False, ["IK101"])
    assert directive("# hadolint global ignore=DL3008,SC2086") == (True, ["DL3008", "SC2086"])
    assert directive("# IMAGEKIT IGNORE=ik101") == (False, ["ik101"])
    assert directive("# just a comment about imagekit ignore") is None
