"""The error family and the environment-derived configuration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from imagekit import errors
from imagekit.config import Config, from_env
from imagekit.errors import ALL_ERRORS, ImagekitError, InputError, UsageError

EXPECTED = {
    "UsageError": (2, "usage"),
    "InputError": (2, "unreadable-input"),
    "ImageError": (2, "bad-image"),
    "PolicyFailure": (1, "policy-failure"),
    "ConfigError": (2, "config"),
    "RegistryError": (3, "registry"),
    "BuildError": (4, "build"),
    "ServiceError": (5, "service"),
    "PublishError": (6, "publish"),
    "InternalError": (70, "internal"),
}


def test_exit_codes_and_references_are_stable() -> None:
    assert {cls.__name__: (cls.exit_code, cls.ref) for cls in ALL_ERRORS} == EXPECTED
    for cls in ALL_ERRORS:
        assert issubclass(cls, ImagekitError)


def test_format_is_one_line() -> None:
    assert UsageError("unknown rule IK999").format() == (
        "imagekit: error[usage]: unknown rule IK999"
    )
    err = InputError("cannot read Dockerfile:\npermission denied", hint="check the path")
    assert err.format() == (
        "imagekit: error[unreadable-input]: cannot read Dockerfile: permission denied"
        " (hint: check the path)"
    )
    assert err.hint == "check the path"
    assert str(err) == err.message


def test_errors_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(errors.__file__).read_text())
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "typing"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Config(debug=False, no_color=False)),
        ({"IMAGEKIT_DEBUG": "1"}, Config(debug=True, no_color=False)),
        ({"IMAGEKIT_DEBUG": "true"}, Config(debug=True, no_color=False)),
        ({"IMAGEKIT_DEBUG": "0"}, Config(debug=False, no_color=False)),
        ({"NO_COLOR": "1"}, Config(debug=False, no_color=True)),
        ({"NO_COLOR": ""}, Config(debug=False, no_color=False)),
    ],
)
def test_config_from_env(environ: dict[str, str], expected: Config) -> None:
    config = from_env(environ)
    assert (config.debug, config.no_color) == (expected.debug, expected.no_color)


def test_config_directories_follow_the_environment() -> None:
    config = from_env({"HOME": "/home/u"})
    assert config.cache_dir == "/home/u/.cache/imagekit"
    assert config.registry_dir == "/home/u/.local/share/imagekit/registry"
    assert config.docker_config == "/home/u/.docker"
    config = from_env(
        {
            "HOME": "/home/u",
            "XDG_CACHE_HOME": "/c",
            "XDG_DATA_HOME": "/d",
            "DOCKER_CONFIG": "/etc/dc",
        }
    )
    assert (config.cache_dir, config.registry_dir) == ("/c/imagekit", "/d/imagekit/registry")
    assert config.docker_config == "/etc/dc"
    config = from_env({"IMAGEKIT_CACHE_DIR": "/x", "IMAGEKIT_REGISTRY_DIR": "/y"})
    assert (config.cache_dir, config.registry_dir) == ("/x", "/y")


@pytest.mark.parametrize(
    ("value", "ci"), [("", False), ("true", True), ("1", True), ("false", False), ("0", False)]
)
def test_ci_flag(value: str, ci: bool) -> None:
    assert from_env({"CI": value}).ci is ci


def test_ci_variables_are_kept_by_prefix() -> None:
    config = from_env({"GITHUB_SHA": "abc", "CI_COMMIT_SHA": "def", "SECRET": "x"})
    assert config.ci_var("GITHUB_SHA") == "abc"
    assert config.ci_var("CI_COMMIT_SHA") == "def"
    assert config.ci_var("SECRET") == ""
