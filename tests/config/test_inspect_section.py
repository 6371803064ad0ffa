"""The `inspect` section of a configuration file: the gate's limits, sizes with units, lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from imagekit.config import files, schema


def validate(
    tmp_path: Path, text: str, name: str = ".imagekit.yaml"
) -> tuple[schema.ProjectConfig, list[str]]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    config, problems = schema.validate(files.read(str(path)))
    return config, [f"{p.line}: {p.message}" for p in problems]


def test_limits_with_their_lines(tmp_path: Path) -> None:
    config, problems = validate(
        tmp_path,
        """
        lint:
          ignore: [IK101]
        inspect:
          max-size: 120MB
          max-wasted-bytes: 5 MiB
          max-wasted-percent: 7.5%
          min-efficiency: 0.95
        """,
    )
    assert problems == []
    assert config.inspect == schema.InspectSettings(
        max_size=120_000_000,
        max_wasted_bytes=5 * 1024 * 1024,
        max_wasted_percent=7.5,
        min_efficiency=0.95,
        lines=(
            ("max-size", 4),
            ("max-wasted-bytes", 5),
            ("max-wasted-percent", 6),
            ("min-efficiency", 7),
        ),
    )


def test_no_inspect_section(tmp_path: Path) -> None:
    config, problems = validate(tmp_path, "lint: {}\n")
    assert problems == [] and config.inspect == schema.InspectSettings()


def test_pyproject_table(tmp_path: Path) -> None:
    config, problems = validate(
        tmp_path,
        """
        [tool.imagekit.inspect]
        max-size = "1GiB"
        min-efficiency = 0.9
        """,
        name="pyproject.toml",
    )
    assert problems == []
    assert (config.inspect.max_size, config.inspect.min_efficiency) == (1024**3, 0.9)
    assert dict(config.inspect.lines) == {"max-size": 2, "min-efficiency": 3}


def test_every_problem_with_its_line(tmp_path: Path) -> None:
    config, problems = validate(
        tmp_path,
        """
        inspect:
          max-size: 12 XB
          max-wasted-bytes: -3
          max-wasted-percent: 101
          min-efficiency: yes
          max-layers: 3
        """,
    )
    assert problems == [
        "6: unknown key 'inspect.max-layers' (known: max-size, max-wasted-bytes, "
        "max-wasted-percent, min-efficiency)",
        "2: 'inspect.max-size': bad size '12 XB': expected a number of bytes, optionally "
        "with kB, MB, GB (1000) or KiB, MiB, GiB (1024)",
        "3: 'inspect.max-wasted-bytes': bad size -3: must not be negative",
        "4: 'inspect.max-wasted-percent': 101 is out of range: expected 0 to 100",
        "5: 'inspect.min-efficiency': bad number True: expected 0 to 1",
    ]
    assert config.inspect == schema.InspectSettings()


def test_inspect_must_be_a_mapping_and_is_a_known_key(tmp_path: Path) -> None:
    _, problems = validate(tmp_path, "inspect: [1]\nbuild: {}\n")
    assert problems == [
        "2: unknown key 'build' (known: inspect, lint)",
        "1: 'inspect' must be a mapping",
    ]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 0),
        ("1500", 1500),
        (1500, 1500),
        ("1kB", 1000),
        ("1 KB", 1000),
        ("1KiB", 1024),
        ("2.5MB", 2_500_000),
        ("2mib", 2 * 1024**2),
        ("3GB", 3 * 10**9),
        ("1.5GiB", 3 * 1024**3 // 2),
        ("7B", 7),
    ],
)
def test_parse_size(text: str | int, size: int) -> None:
    assert schema.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "10XB", "1e6", "-1", "1,000", True, 1.5, None, [1]])
def test_parse_size_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="bad size"):
        schema.parse_size(text)


def test_parse_fraction() -> None:
    assert schema.parse_fraction("12.5%", 0, 100, percent=True) == 12.5
    assert schema.parse_fraction(1, 0, 1) == 1.0
    for bad in ("12%", "nan", "-0.1", True):
        with pytest.raises(ValueError):
            schema.parse_fraction(bad, 0, 1)
