"""Budgets: --fail-on-growth in each form, --max-size, the crossings and bad input."""

from __future__ import annotations

import pytest

from imagekit.config.schema import parse_size
from imagekit.errors import UsageError
from imagekit.report.budget import Budget, check_budget, parse_budget, parse_growth
from imagekit.report.delta import ImageSizes, delta
from tests.report.size_examples import layer, sizes


def budget(growth: str | None = None, max_size: str | None = None) -> Budget:
    return parse_budget(growth, max_size, parse_size=parse_size)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5%", (5.0, None)),
        ("10MB", (None, 10_000_000)),
        ("5%,10MB", (5.0, 10_000_000)),
        (" 10 MiB , 2.5% ", (2.5, 10 * 1024**2)),
        ("0%", (0.0, None)),
        ("1500", (None, 1_500)),
    ],
)
def test_growth_forms(text: str, expected: tuple[float | None, int | None]) -> None:
    assert parse_growth(text, parse_size) == expected


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "at most two limits"),
        ("5%,", "at most two limits"),
        ("5%,10MB,1GB", "at most two limits"),
        ("5%,6%", "two percentages"),
        ("10MB,20MB", "two sizes"),
        ("abc%", "bad percentage 'abc%'"),
        ("-5%", "must be a number, 0 or more"),
        ("nan%", "must be a number, 0 or more"),
        ("12XB", "bad size '12XB'"),
    ],
)
def test_bad_growth_is_a_one_line_usage_error(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as info:
        budget(text)
    line = info.value.format()
    assert problem in line and "--fail-on-growth" in line
    assert "e.g. --fail-on-growth 5%,10MB" in line
    assert "\n" not in line
    assert info.value.exit_code == 2


def test_bad_max_size_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"^--max-size: bad size '1 ton'"):
        budget(max_size="1 ton")


def test_no_flags_no_budget() -> None:
    assert not budget().any
    assert budget(max_size="1kB") == Budget(max_size=1_000)


OLD = sizes("r/app:1", layer(1, 9_000_000), config=1_000_000)  # 10 MB
GREW = sizes("r/app:2", layer(1, 9_000_000), layer(2, 600_000), config=1_000_000)  # +6%


def test_percent_growth_crosses_when_above() -> None:
    (crossing,) = check_budget([delta(OLD, GREW)], budget("5%"))
    assert crossing.key == "growth-percent"
    assert crossing.actual == pytest.approx(6.0) and crossing.excess == pytest.approx(1.0)
    assert crossing.message == (
        "r/app:2: grew by 600 kB (600000 bytes, +6.00%, compressed) from 10.0 MB, "
        "over --fail-on-growth 5% by 1.00 percentage points"
    )
    assert check_budget([delta(OLD, GREW)], budget("6%")) == ()  # at the limit is within


def test_byte_growth_crosses_when_above() -> None:
    (crossing,) = check_budget([delta(OLD, GREW)], budget("500kB"))
    assert (crossing.key, crossing.limit, crossing.actual, crossing.excess) == (
        "growth-bytes",
        500_000,
        600_000,
        100_000,
    )
    assert crossing.message.endswith(
        "over --fail-on-growth 500 kB (500000 bytes) by 100 kB (100000 bytes)"
    )


def test_either_limit_of_a_pair_fails() -> None:
    both = check_budget([delta(OLD, GREW)], budget("5%,1MB"))
    assert [c.key for c in both] == ["growth-percent"]
    both = check_budget([delta(OLD, GREW)], budget("50%,100kB"))
    assert [c.key for c in both] == ["growth-bytes"]
    assert len(check_budget([delta(OLD, GREW)], budget("1%,1kB"))) == 2


def test_growth_does_not_apply_to_a_first_push_or_a_shrink() -> None:
    assert check_budget([delta(None, GREW)], budget("0%,0")) == ()
    assert check_budget([delta(GREW, OLD)], budget("0%,0")) == ()


def test_growth_from_zero_crosses_any_percentage() -> None:
    empty = ImageSizes("scratch:1", None, 0, ())
    (crossing,) = check_budget([delta(empty, sizes("scratch:2", layer(1, 5)))], budget("900%"))
    assert crossing.actual is None and crossing.excess is None
    assert "more than any percentage, over --fail-on-growth 900%" in crossing.message


def test_max_size_applies_to_each_image_compressed() -> None:
    crossings = check_budget([delta(None, GREW), delta(OLD, OLD)], budget(max_size="10MB"))
    (crossing,) = crossings
    assert (crossing.reference, crossing.key, crossing.excess) == ("r/app:2", "max-size", 600_000)
    assert crossing.message == (
        "r/app:2: size 10.6 MB (10600000 bytes, compressed) is over --max-size "
        "10.0 MB (10000000 bytes) by 600 kB (600000 bytes)"
    )


def test_without_compressed_sizes_the_uncompressed_ones_are_used_and_said() -> None:
    old = sizes("docker-daemon:a:1", layer(1, None, 1_000, tar_only=True), config=0)
    new = sizes("docker-daemon:a:2", layer(2, None, 2_000, tar_only=True), config=0)
    keys = [c.key for c in check_budget([delta(old, new)], budget("10%", "1kB"))]
    assert keys == ["max-size", "growth-percent"]
    for crossing in check_budget([delta(old, new)], budget("10%", "1kB")):
        assert "uncompressed: no compressed sizes known" in crossing.message
