"""The command line read before click: what it reads as click does, and what it leaves."""

from __future__ import annotations

import pytest

from imagekit.cli.rawargs import split_args

FLAGS = {"--quiet"}
VALUED = {"--format", "-o", "--name"}


def test_positionals_and_pairs_come_in_order() -> None:
    args = ["a", "--format", "json", "--quiet", "-o", "x", "--name=--odd", "b", "--", "-c"]
    assert split_args(args, FLAGS, VALUED) == (
        ["a", "b", "-c"],
        [("--format", "json"), ("--quiet", None), ("-o", "x"), ("--name", "--odd")],
    )
    assert split_args(["-", "--format", "-"], FLAGS, VALUED) == (["-"], [("--format", "-")])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--forma", "json"], ["--quiet=1"], ["-ox"], ["-o=x"], ["a", "--name"]],
)
def test_anything_click_might_read_otherwise_is_none(args: list[str]) -> None:
    assert split_args(args, FLAGS, VALUED) is None
