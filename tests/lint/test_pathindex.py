"""The path indexes answer as a scan with ``path_covers`` / ``covers`` over every filed path
would, in the same order, for any paths: relative, empty, ``//``, trailing slashes, globs."""

from __future__ import annotations

from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st

from imagekit.lint.context import path_covers
from imagekit.lint.pathfacts import covers, glob_literal, has_glob
from imagekit.lint.pathindex import Marks, PathIndex

PROPERTY = settings(max_examples=300, deadline=None)

paths = st.text(alphabet="ab/", max_size=7)
patterns = st.text(alphabet="ab/*?", max_size=6)


@PROPERTY
@given(st.lists(st.tuples(paths, st.integers(0, 20)), max_size=12), paths, st.booleans())
def test_marks_keep_the_mark_of_covering_and_covered_paths(
    filed: list[tuple[str, int]], asked: str, keep_min: bool
) -> None:
    keep = min if keep_min else max
    marks = Marks(keep)
    for path, mark in filed:
        marks.add(path, mark)
    under = [m for p, m in filed if path_covers(asked, p)]
    over = [m for p, m in filed if path_covers(p, asked)]
    assert marks.under(asked) == (keep(under) if under else None)
    assert marks.over(asked) == (keep(over) if over else None)


# An operation: file value N at a path, remove the Nth filed value, or ask about a path.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 6), paths),
        st.tuples(st.just("remove"), st.integers(0, 10), st.just("")),
        st.tuples(st.just("ask"), st.just(0), st.one_of(paths, patterns)),
    ),
    max_size=30,
)


@PROPERTY
@given(operations)
def test_path_index_finds_what_a_removal_covers_in_filing_order(
    steps: list[tuple[str, int, str]],
) -> None:
    index: PathIndex[int] = PathIndex()
    model: dict[int, str] = {}  # insertion-ordered, as a list of filed values would be
    for operation, number, path in steps:
        if operation == "add":
            index.add(number, path)
            model.setdefault(number, path)
        elif operation == "remove" and model:
            value = list(model)[number % len(model)]
            index.remove(value)
            del model[value]
        elif operation == "ask":
            if has_glob(path):
                found = index.matching(path, glob_literal(path), partial(covers, path))
            else:
                found = index.under(path)
            assert found == [v for v, p in model.items() if covers(path, p)], path
        assert list(index) == list(model)
