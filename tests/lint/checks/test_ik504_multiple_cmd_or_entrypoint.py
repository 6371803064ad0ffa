"""IK504 multiple-cmd-or-entrypoint: only the last CMD and ENTRYPOINT of a stage count."""

from __future__ import annotations

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK504"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(3, 1, 3)]
    assert "line 4" in found[0].message
    assert lines(rule.good, RULE) == []


def test_every_overridden_one_is_reported() -> None:
    text = """\
        FROM debian:bookworm-slim
        ENTRYPOINT ["/bin/first"]
        CMD ["a"]
        cmd b
        ENTRYPOINT ["/bin/second"]
        CMD ["c"]
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [3, 4, 2]
    assert "CMD on line 6" in found[0].message
    assert "ENTRYPOINT on line 5" in found[2].message


def test_one_of_each_is_fine() -> None:
    text = """\
        FROM debian:bookworm-slim
        ENTRYPOINT ["/usr/local/bin/entry"]
        CMD ["serve"]
        """
    assert lines(text, RULE) == []


def test_stages_are_judged_apart() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        CMD ["base"]

        FROM base AS app
        CMD ["app"]

        FROM debian:bookworm-slim
        CMD ["one"]
        CMD ["two"]
        """
    assert lines(text, RULE) == [8]


def test_onbuild_is_not_counted() -> None:
    text = """\
        FROM debian:bookworm-slim
        ONBUILD CMD ["child"]
        CMD ["self"]
        """
    assert lines(text, RULE) == []


def test_position_is_the_first_line() -> None:
    text = """\
        FROM debian:bookworm-slim
        CMD ["python", \\
             "-m", "app"]
        CMD ["python", "-m", "app", "--serve"]
        """
    found = hits(text, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(2, 1, 2)]
    assert "line 4" in found[0].message
