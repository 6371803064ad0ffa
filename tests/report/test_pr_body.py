"""The comment body and the rules for which earlier comment is ours (pure functions)."""

from __future__ import annotations

import pytest

from imagekit.errors import UsageError
from imagekit.report.comment import Comment, compose, is_ours, marker

MARK = "<!-- imagekit:size-report -->"


@pytest.mark.parametrize("name", ["", "a b", "x--y", "-lead", "a>b", "ünï"])
def test_bad_marker_names_are_usage_errors(name: str) -> None:
    with pytest.raises(UsageError, match="bad marker name"):
        marker(name)


def test_marker_names() -> None:
    assert marker() == MARK
    assert marker("sizes/arm64.v8_x-1:2") == "<!-- imagekit:sizes/arm64.v8_x-1:2 -->"


@pytest.mark.parametrize(
    ("body", "author", "bot", "me", "ours"),
    [
        (f"{MARK}\nreport", "github-actions[bot]", True, None, True),
        (f"{MARK}\r\nreport", "github-actions[bot]", True, None, True),
        (MARK, "github-actions[bot]", True, None, True),
        (f"{MARK}\nreport", "alice", False, None, False),  # a person, app token
        (f"{MARK}\nreport", "ci", None, None, True),  # GitLab: author kind unknown
        (f"{MARK}\nreport", "ci", True, "ci", True),
        (f"{MARK}\nreport", "github-actions[bot]", True, "ci", False),  # not the token's user
        (f" {MARK}\nreport", "ci", True, "ci", False),
        (f"> {MARK}\nquoted", "ci", True, "ci", False),
        (f"```\n{MARK}\n```", "ci", True, "ci", False),
        ("<!-- imagekit:size-report-arm64 -->\nx", "ci", True, "ci", False),
        (f"{MARK}x", "ci", True, "ci", False),
    ],
)
def test_which_comment_is_ours(
    body: str, author: str, bot: bool | None, me: str | None, ours: bool
) -> None:
    assert is_ours(Comment(1, body, author, bot), MARK, me) is ours


def test_system_notes_are_never_ours() -> None:
    assert not is_ours(Comment(1, f"{MARK}\nx", "ci", None, system=True), MARK, "ci")


def test_the_body_is_the_marker_line_and_the_report() -> None:
    assert compose(MARK, "\n\n## sizes\n\n", 1000, "GitHub") == f"{MARK}\n## sizes\n"


def test_a_long_report_is_cut_at_a_line_end_with_a_note() -> None:
    report = "".join(f"line {i:04d}\n" for i in range(1000))
    body = compose(MARK, report, 2000, "GitHub")
    assert len(body) <= 2000
    kept = body.split("\n\n**Report truncated**")[0]
    lines = kept.splitlines()
    assert lines[0] == MARK
    assert lines[1:] == [f"line {i:04d}" for i in range(len(lines) - 1)]  # whole lines only
    assert len(lines) > 150
    assert "9,999 characters, more than GitHub's comment limit of 2,000" in body


def test_a_cut_inside_a_code_block_closes_it() -> None:
    report = "intro\n```\n" + "x = 1\n" * 1000 + "```\n"
    body = compose(MARK, report, 1500, "GitLab")
    assert len(body) <= 1500
    assert body.count("```") == 2
    assert "\n```\n\n**Report truncated**" in body


def test_a_report_without_line_ends_is_still_cut_to_the_limit() -> None:
    body = compose(MARK, "x" * 5000, 1000, "GitHub")
    assert len(body) <= 1000 and body.startswith(MARK + "\n") and "truncated" in body
