"""The precompiled catalogue (rules/catalog.json): the same tables as the TOML files, read
without the TOML parser."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import imagekit.catalog as catalog_module
from imagekit.catalog import (
    COMPILED,
    COMPILED_DATA,
    compile_catalog,
    load_catalog,
    load_data,
    load_rule,
    read_catalog,
)
from imagekit.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


def test_the_compiled_catalogue_is_up_to_date() -> None:
    shipped = (RULES / COMPILED).read_text(encoding="utf-8")
    assert shipped == compile_catalog(RULES), (
        f"rules/{COMPILED} differs from the rule files: write it again with "
        "`.venv/bin/python -m imagekit.catalog` and commit it with them"
    )


def test_compiled_tables_are_the_toml_ones() -> None:
    assert load_catalog() == read_catalog(RULES)
    for rule in read_catalog(RULES):
        assert load_rule(rule.id) == rule
    for name in COMPILED_DATA:
        with open(RULES / "data" / f"{name}.toml", "rb") as handle:
            assert load_data(name) == tomllib.load(handle)


def test_every_data_table_the_checks_read_is_compiled() -> None:
    read: set[str] = set()
    for path in (ROOT / "imagekit" / "lint").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "data"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                read.add(node.args[0].value)
    assert read == set(COMPILED_DATA)


def test_lint_reads_no_toml(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.12\nRUN apt-get update && apt-get install -y curl\n"
        "RUN pip install flask\nCOPY app /app\n",
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from imagekit.cli import main\n"
        f"status = main(['lint', {str(dockerfile)!r}])\n"
        "print('tomllib' in sys.modules, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "IK201" in done.stdout and "IK204" in done.stdout
    assert done.stderr.splitlines()[-1] == "False"


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the catalogue directory the loaders read instead of rules/."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    monkeypatch.setattr(catalog_module, "rules_dir", lambda: copy)
    monkeypatch.setattr(catalog_module, "_rules_path", lambda: str(copy))
    caches = (load_catalog, load_rule, catalog_module._compiled)
    for cached in caches:
        cached.cache_clear()
    yield copy
    for cached in caches:
        cached.cache_clear()


def test_without_the_compiled_form_the_toml_files_are_read(rules_copy: Path) -> None:
    (rules_copy / COMPILED).unlink()
    assert load_catalog() == read_catalog(RULES)
    assert load_rule("IK201") == read_catalog(RULES).get("IK201")
    assert load_data("ca-bundles") == json.loads(compile_catalog(RULES))["data"]["ca-bundles"]


def test_the_compiled_form_is_what_is_read(rules_copy: Path) -> None:
    compiled = json.loads((rules_copy / COMPILED).read_text(encoding="utf-8"))
    compiled["rules"]["IK201"]["summary"] = "Read from the compiled form."
    (rules_copy / COMPILED).write_text(json.dumps(compiled), encoding="utf-8")
    assert load_rule("IK201").summary == "Read from the compiled form."
    assert load_catalog().get("IK201").summary == "Read from the compiled form."


@pytest.mark.parametrize("text", ["{not json", "[]", '{"rules": {}}'])
def test_a_broken_compiled_form_is_a_config_error(rules_copy: Path, text: str) -> None:
    (rules_copy / COMPILED).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_rule("IK201")
    assert str(rules_copy / COMPILED) in raised.value.message
    assert "python -m imagekit.catalog" in (raised.value.hint or "")


def test_compiled_entries_are_validated_like_the_files(rules_copy: Path) -> None:
    compiled = json.loads((rules_copy / COMPILED).read_text(encoding="utf-8"))
    compiled["rules"]["IK201"]["severity"] = "loud"
    (rules_copy / COMPILED).write_text(json.dumps(compiled), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_rule("IK201")
    assert raised.value.message.startswith(f"rule file {rules_copy / 'IK201.toml'}: key 'severity'")
