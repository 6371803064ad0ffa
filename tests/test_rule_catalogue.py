"""Every rule has its four parts, and its documented examples behave as documented."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TypedDict

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks import MODULES, OFF_BY_DEFAULT
from imagekit.lint.engine import Linter, LintOptions
from tests.support.lint import lint

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog()
RULE_IDS = [rule.id for rule in CATALOG]
ENGINE_RULES = {"IK001"}  # reported by the engine from parse problems, not by a check module
#: Rules the Dockerfile linter reports (scope "dockerfile" or "both"): a check module each.
LINT_IDS = [rule.id for rule in CATALOG if rule.scope != "image"]
#: Rules the image analyser reports (scope "image" or "both"): an analyser test module each;
#: for image-only rules the bad and good Dockerfiles are documentation, not lint cases.
IMAGE_IDS = [rule.id for rule in CATALOG if rule.scope != "dockerfile"]


class _Options(TypedDict, total=False):
    """Keyword arguments of ``tests.support.lint.lint`` that set lint options."""

    trusted_registries: tuple[str, ...]


#: Options a rule needs to apply at all, used when linting its examples (see also
#: HADOLINT_CONFIG in tests/test_catalog.py).
RULE_OPTIONS: dict[str, _Options] = {
    "IK534": {"trusted_registries": ("registry.example.com",)},
}


def _module_name(rule_id: str) -> str:
    rule = CATALOG.get(rule_id)
    return f"{rule.id.lower()}_{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("rule_id", LINT_IDS)
def test_rule_has_check_module_entry_and_tests(rule_id: str) -> None:
    name = _module_name(rule_id)
    assert (ROOT / "rules" / f"{rule_id}.toml").is_file()
    assert (ROOT / "tests" / "lint" / "checks" / f"test_{name}.py").is_file(), name
    if rule_id in ENGINE_RULES:
        return
    module = importlib.import_module(f"imagekit.lint.checks.{name}")
    assert module.RULE == rule_id
    assert module in MODULES, f"{name} is not registered in imagekit.lint.checks.MODULES"


@pytest.mark.parametrize("rule_id", IMAGE_IDS)
def test_image_rule_has_analyser_tests(rule_id: str) -> None:
    name = _module_name(rule_id)
    assert (ROOT / "rules" / f"{rule_id}.toml").is_file()
    assert (ROOT / "tests" / "analyze" / f"test_{name}.py").is_file(), name


def test_every_check_module_has_a_catalogue_entry() -> None:
    for module in MODULES:
        rule = CATALOG.get(module.RULE)
        assert module.__name__.rsplit(".", 1)[1] == _module_name(rule.id)
        assert rule.scope != "image", f"{rule.id} has scope 'image' but a lint check module"


def test_off_by_default_modules_match_the_catalogue() -> None:
    assert OFF_BY_DEFAULT == {rule.id for rule in CATALOG if not rule.enabled}


@pytest.mark.parametrize("rule_id", sorted(OFF_BY_DEFAULT))
def test_off_by_default_rules_run_only_when_enabled(rule_id: str, tmp_path: Path) -> None:
    bad = CATALOG.get(rule_id).bad
    default = Linter(LintOptions()).lint_text(bad, directory=tmp_path)
    assert rule_id not in [f.rule for f in default]
    enabled = Linter(LintOptions(enable=frozenset({rule_id}))).lint_text(bad, directory=tmp_path)
    assert rule_id in [f.rule for f in enabled]


@pytest.mark.parametrize("rule_id", LINT_IDS)
def test_bad_example_triggers_the_rule(rule_id: str, tmp_path: Path) -> None:
    rule = CATALOG.get(rule_id)
    options = RULE_OPTIONS.get(rule_id, _Options())
    found = [f.rule for f in lint(rule.bad, directory=tmp_path, dedent=False, **options)]
    assert rule_id in found, f"{rule_id} bad example gave {found}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_example_parses(rule_id: str, tmp_path: Path) -> None:
    rule = CATALOG.get(rule_id)
    found = [f.rule for f in lint(rule.good, directory=tmp_path, dedent=False)]
    assert "IK001" not in found, f"{rule_id} good example does not parse: {found}"


@pytest.mark.parametrize("rule_id", LINT_IDS)
def test_good_example_does_not_trigger_the_rule(rule_id: str, tmp_path: Path) -> None:
    rule = CATALOG.get(rule_id)
    options = RULE_OPTIONS.get(rule_id, _Options())
    found = [f.rule for f in lint(rule.good, directory=tmp_path, dedent=False, **options)]
    assert rule_id not in found, f"{rule_id} good example gave {found}"
    assert "IK001" not in found, f"{rule_id} good example does not parse: {found}"
