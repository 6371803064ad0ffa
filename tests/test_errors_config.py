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
    assert from_env(environ) == expected
