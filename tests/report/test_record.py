"""Ledger records as values: the commit and branch from CI variables, JSON and its checks."""

from __future__ import annotations

import json

import pytest

from imagekit.config import from_env
from imagekit.errors import ImageError
from imagekit.report.delta import ImageSizes
from imagekit.report.record import ci_revision, parse_record, parse_time, record_of
from tests.report.size_examples import T0, record


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, ("", "")),
        ({"GITHUB_SHA": "a1", "GITHUB_REF_NAME": "main"}, ("a1", "main")),
        (
            {"GITHUB_SHA": "a1", "GITHUB_HEAD_REF": "feature", "GITHUB_REF_NAME": "7/merge"},
            ("a1", "feature"),
        ),
        ({"GITHUB_SHA": "a1", "GITHUB_HEAD_REF": "", "GITHUB_REF_NAME": "main"}, ("a1", "main")),
        ({"CIRCLE_SHA1": "c1", "CIRCLE_BRANCH": "dev"}, ("c1", "dev")),
        ({"CI_COMMIT_SHA": "g1", "CI_COMMIT_REF_NAME": "mr-1"}, ("g1", "mr-1")),
        ({"CI_COMMIT_REF_NAME": "tag-only"}, ("", "tag-only")),
        ({"GITHUB_SHA": "a1", "CI_COMMIT_SHA": "g1", "CI_COMMIT_REF_NAME": "x"}, ("a1", "")),
    ],
)
def test_commit_and_branch_come_from_the_ci_variables(
    environ: dict[str, str], expected: tuple[str, str]
) -> None:
    assert ci_revision(from_env(environ).ci_var) == expected


def test_json_round_trip_and_time_in_utc_milliseconds() -> None:
    r = record(1, 1_000)
    data = json.loads(r.to_json())
    assert data["time"] == "2024-05-01T18:00:00.000Z"
    assert parse_record(r.to_json()) == r
    assert parse_time("2024-05-01T20:00:00.000+02:00") == T0 + 6 * 3600


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"version": 2}, "record version 2 is not 1"),
        ({"digest": "md5:x"}, "unsupported digest algorithm"),
        ({"tag": ""}, "'tag' must be a non-empty string"),
        ({"compressed_size": "12"}, "'compressed_size' must be a non-negative integer"),
        ({"layers": [1]}, "'layers' must be a list of objects"),
        ({"time": "2024-05-01T12:00:00"}, "has no time zone"),
        ({"time": "yesterday"}, "Invalid isoformat"),
    ],
)
def test_malformed_records_say_what_is_wrong(change: dict[str, object], problem: str) -> None:
    data = {**json.loads(record(1, 5).to_json()), **change}
    with pytest.raises(ValueError, match=problem):
        parse_record(json.dumps(data).encode())
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_record(b"\xff")


def test_a_pushed_image_needs_a_manifest_digest() -> None:
    with pytest.raises(ImageError, match="manifest digest"):
        record_of(ImageSizes("x", None, 0, ()), registry="r", repository="a", tag="t", time=0)
