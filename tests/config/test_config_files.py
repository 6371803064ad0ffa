"""Configuration files: discovery from a file upward, parsing with lines, key validation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from imagekit.config import files, schema
from imagekit.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    _, found = schema.validate(files.read(str(path)))
    return [f"{p.line}: {p.message}" for p in found]


def test_nearest_imagekit_config_wins(tmp_path: Path) -> None:
    outer = write(tmp_path / ".imagekit.yaml", "lint: {}\n")
    inner = write(tmp_path / "a" / ".imagekit.yml", "lint: {}\n")
    (tmp_path / "a" / "b").mkdir()
    assert files.find(str(tmp_path / "a" / "b")) == str(inner)
    assert files.find(str(tmp_path)) == str(outer)


def test_pyproject_counts_only_with_a_tool_imagekit_table(tmp_path: Path) -> None:
    outer = write(tmp_path / ".imagekit.yaml", "lint: {}\n")
    write(tmp_path / "svc" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert files.find(str(tmp_path / "svc")) == str(outer)
    table = write(tmp_path / "svc" / "pyproject.toml", "[tool.imagekit.lint]\nignore = []\n")
    assert files.find(str(tmp_path / "svc")) == str(table)


def test_hadolint_config_only_when_no_imagekit_config(tmp_path: Path) -> None:
    hadolint = write(tmp_path / "svc" / ".hadolint.yaml", "ignored: [DL3008]\n")
    assert files.find(str(tmp_path / "svc")) == str(hadolint)
    imagekit = write(tmp_path / ".imagekit.yaml", "lint: {}\n")
    # An imagekit configuration further up still wins over the nearer .hadolint.yaml.
    assert files.find(str(tmp_path / "svc")) == str(imagekit)


def test_no_config_anywhere(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    found = files.find(str(tmp_path / "x"))
    assert found is None or not found.startswith(str(tmp_path))


def test_yaml_lines_of_keys_and_items(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".imagekit.yaml",
        """
        # settings
        lint:
          ignore:
            - IK101
            - IK205
          failure-threshold: error
        """,
    )
    document = files.read(str(path))
    assert document.line("lint") == 2
    assert document.line("lint", "ignore", 1) == 5
    assert document.line("lint", "failure-threshold") == 6
    assert document.line("lint", "nothing", "here") == 2


def test_pyproject_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "svc"

        [tool.imagekit.lint]
        ignore = ["IK101"]
        bogus = 1
        """,
    )
    assert problems(path) == ["6: unknown key 'lint.bogus'"]


def test_every_problem_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".imagekit.yaml",
        """
        lint:
          ignore: IK101, IK205
          severity:
            IK201: fatal
          failure-threshold: sometimes
          no-fail: maybe
          trusted-registries: [registry.example.com, ""]
          ca-bundles:
            - {name: base/python, ca_bundle: yes-please}
            - {name: base/go}
            - {ca_bundle: true, colour: red}
          overrides:
            - ignore: [IK101]
            - files: legacy/**
              frobnicate: true
          wat: 1
        build: {}
        """,
    )
    expected = [
        "17: unknown key 'build' (known: inspect, lint)",
        "4: severity of IK201 must be one of error, warning, info, style; got 'fatal'",
        "5: 'lint.failure-threshold' must be one of error, warning, info, style, none; got 'sometimes'",
        "6: 'lint.no-fail' must be true or false; got 'maybe'",
        "7: 'lint.trusted-registries' items must be non-empty strings",
        "16: unknown key 'lint.wat'",
        "9: 'ca_bundle' must be a bool",
        "10: a ca-bundles entry needs 'ca_bundle'",
        "11: unknown key 'colour' in a ca-bundles entry",
        "11: a ca-bundles entry needs 'name'",
        "13: an override needs 'files' (glob patterns)",
        "15: unknown key 'frobnicate' in an override",
    ]
    assert sorted(problems(path)) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lint: [1, 2]\n", "'lint' must be a mapping"),
        ("- a\n- b\n", "the file must hold a mapping"),
        ("lint:\n  ignore: [IK101\n", "invalid YAML"),
        ("lint: {severity: [IK101]}\n", "'lint.severity' must be a mapping"),
        ("lint: {overrides: {files: x}}\n", "'lint.overrides' must be a list"),
    ],
)
def test_shape_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".imagekit.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        found = problems(path)
    except ConfigError as exc:
        assert message in exc.message
        assert exc.message.startswith(str(path))
    else:
        assert any(message in p for p in found), found


def test_settings_values(tmp_path: Path) -> None:
    path = write(
        tmp_path / "conf" / ".imagekit.yaml",
        """
        lint:
          ignore: [IK101, apt-lists-left]
          enable: IK529
          severity: {IK402: error}
          failure-threshold: Info
          no-fail: true
          inline-ignores: false
          trusted-registries: [registry.example.com]
          rule-dirs: [../team-rules]
          ca-bundles: [{name: base/python, ca_bundle: true}]
          overrides:
            - files: [legacy/**, "*.old"]
              failure-threshold: none
        """,
    )
    config, found = schema.validate(files.read(str(path)))
    assert found == []
    lint = config.lint
    assert [r.token for r in lint.ignore] == ["IK101", "apt-lists-left"]
    assert [(r.token, r.line) for r in lint.enable] == [("IK529", 3)]
    assert [(r.token, level) for r, level in lint.severity] == [("IK402", "error")]
    assert lint.failure_threshold == "info"
    assert lint.no_fail is True and lint.inline_ignores is False
    assert lint.trusted_registries == ("registry.example.com",)
    assert lint.rule_dirs == (str(tmp_path / "team-rules"),)
    assert lint.ca_bundles == ({"name": "base/python", "ca_bundle": True},)
    assert config.overrides[0].files == ("legacy/**", "*.old")
    assert config.overrides[0].settings.failure_threshold == "none"
    assert config.overrides[0].line == 12


def test_hadolint_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".hadolint.yaml",
        """
        ignored: [DL3008, DL3059]
        override:
          error: [DL3009]
          info: [DL3015]
        failure-threshold: ignore
        trustedRegistries: [registry.example.com]
        disable-ignore-pragma: true
        format: json
        """,
    )
    config, found = schema.validate(files.read(str(path)))
    assert found == []
    assert config.kind == "hadolint"
    assert [r.token for r in config.lint.ignore] == ["DL3008", "DL3059"]
    assert [(r.token, s) for r, s in config.lint.severity] == [
        ("DL3009", "error"),
        ("DL3015", "info"),
    ]
    assert config.lint.failure_threshold == "none"
    assert config.lint.trusted_registries == ("registry.example.com",)
    assert config.lint.inline_ignores is False


def test_unreadable_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration"):
        files.read(str(tmp_path / "missing.yaml"))
    path = tmp_path / ".imagekit.yaml"
    path.write_bytes(b"lint: {ignore: [\xff]}\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        files.read(str(path))
    bad_toml = tmp_path / "pyproject.toml"
    bad_toml.write_text("[tool.imagekit\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        files.read(str(bad_toml))
