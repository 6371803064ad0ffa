"""IK515 copy-sources-to-non-directory: several sources to a destination without ``/``."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik515_copy_sources_to_non_directory import is_directory
from tests.support.lint import hits, lines

RULE = "IK515"


def found_lines(body: str) -> list[int]:
    return lines("FROM debian:bookworm-slim AS base\n" + body + "\n", RULE, dedent=False)


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(3, 1, 43)]
    assert "COPY of 2 sources to `/app`" in found[0].message
    assert "`/app/`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "body",
    [
        "COPY a b /dst",
        "ADD a b /dst",
        "COPY a b c /dst",
        "COPY --from=base --chown=1:1 a b /dst",
        "COPY --link --chmod=755 a b dst",
        'COPY ["a", "b", "/dst"]',
        'COPY --from=base ["a b", "c", "/dst"]',
        "COPY *.json *.lock /app",
        "COPY <<A <<B /dst\na\nA\nb\nB",
        "COPY a \\\n  b \\\n  /dst",
        "ENV DST=/opt/app\nCOPY a b $DST",
        "copy a b /dst",
    ],
)
def test_reported(body: str) -> None:
    assert len(found_lines(body)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "COPY a b /dst/",
        "COPY a b ./",
        "COPY a b .",
        "COPY a b ..",
        'COPY ["a", "b", "/dst/"]',
        "COPY a /dst",
        "COPY *.txt /dst",
        "COPY --from=base --chown=1:1 a /dst",
        'COPY ["a", "/dst"]',
        "COPY <<A /dst\na\nA",
        "ADD --checksum=sha256:0000 https://example.com/x.tgz /x.tgz",
        "COPY a b $DST",
        "ENV DST=/opt/app/\nCOPY a b $DST",
        "ARG DST=/opt/\nCOPY a b ${DST}app/",
    ],
)
def test_not_reported(body: str) -> None:
    assert found_lines(body) == []


def test_windows_destination_with_escape_directive() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n"
    assert lines(text + "COPY a b C:\\app\\\n", RULE, dedent=False) == []
    assert lines(text + "COPY a b C:\\app\n", RULE, dedent=False) == [3]


def test_counts_sources_in_message() -> None:
    found = hits('FROM scratch\nCOPY ["a", "b", "c", "/x"]\n', RULE, dedent=False)
    assert len(found) == 1
    assert "COPY of 3 sources to `/x`" in found[0].message


@pytest.mark.parametrize(
    ("destination", "expected"),
    [("/a/", True), (".", True), ("..", True), ("a\\", True), ("/a", False), ("./a", False)],
)
def test_is_directory(destination: str, expected: bool) -> None:
    assert is_directory(destination) is expected
