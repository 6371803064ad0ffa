"""The rule catalogue: every shipped rule file, the loader's validation, and packaging."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import dockerfile
import pytest

from imagekit.catalog import (
    CATEGORIES,
    Catalog,
    Rule,
    Severity,
    load_catalog,
    load_data,
    read_catalog,
    rules_dir,
)
from imagekit.dockerfile.model import KNOWN_INSTRUCTIONS
from imagekit.errors import ConfigError, UsageError

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
RULE_FILES = sorted(RULES.glob("*.toml"))

#: Rule ids are public interface: they are never renamed, removed or reused.
PUBLIC_IDS = (
    "IK001",
    "IK101",
    "IK102",
    "IK103",
    "IK104",
    "IK201",
    "IK202",
    "IK203",
    "IK204",
    "IK205",
    "IK206",
    "IK207",
    "IK208",
    "IK209",
    "IK210",
    "IK211",
    "IK301",
    "IK302",
    "IK303",
    "IK401",
    "IK402",
    "IK501",
    "IK502",
    "IK503",
    "IK504",
    "IK505",
    "IK506",
    "IK507",
    "IK508",
    "IK509",
    "IK510",
    "IK511",
    "IK512",
    "IK513",
    "IK514",
    "IK515",
    "IK516",
    "IK517",
    "IK518",
    "IK519",
    "IK520",
    "IK521",
    "IK522",
    "IK523",
    "IK524",
    "IK525",
    "IK526",
    "IK527",
    "IK528",
    "IK529",
    "IK530",
    "IK531",
    "IK532",
    "IK533",
    "IK534",
)

#: Instructions BuildKit knows; anything else in an example is a syntax error.
INSTRUCTIONS = KNOWN_INSTRUCTIONS


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return read_catalog(RULES)


def test_the_shipped_catalogue_is_the_repository_one() -> None:
    assert rules_dir() == RULES
    assert load_catalog() == read_catalog(RULES)


def test_every_rule_file_loads_and_public_ids_are_kept(catalog: Catalog) -> None:
    assert len(catalog) == len(RULE_FILES)
    assert catalog.ids == PUBLIC_IDS
    assert [path.stem for path in RULE_FILES] == list(catalog.ids)


def test_ids_match_file_names(catalog: Catalog) -> None:
    for path in RULE_FILES:
        assert catalog.get(path.stem).id == path.stem


def test_names_are_kebab_case_and_unique(catalog: Catalog) -> None:
    names = [rule.name for rule in catalog]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name


def test_fields_are_valid(catalog: Catalog) -> None:
    for rule in catalog:
        assert isinstance(rule.severity, Severity)
        assert rule.category in CATEGORIES
        assert "\n" not in rule.summary
        assert all(re.fullmatch(r"DL\d{4}", code) for code in rule.hadolint), rule.id


@pytest.mark.parametrize("rule_id", PUBLIC_IDS)
def test_examples_parse_with_buildkit(catalog: Catalog, rule_id: str) -> None:
    rule = catalog.get(rule_id)
    for kind in ("bad", "good"):
        instructions = [node.cmd.upper() for node in dockerfile.parse_string(getattr(rule, kind))]
        assert instructions[0] in ("FROM", "ARG")
        unknown = set(instructions) - INSTRUCTIONS
        if rule_id == "IK001" and kind == "bad":
            assert unknown, "the IK001 bad example must contain an unknown instruction"
        else:
            assert not unknown, f"{rule_id} {kind}: {unknown}"


def _hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


#: hadolint configuration for rules whose hadolint check needs one (the rule's options,
#: see RULE_OPTIONS in tests/test_rule_catalogue.py).
HADOLINT_CONFIG = {"IK534": "trustedRegistries:\n  - registry.example.com\n"}


@pytest.mark.parametrize("rule_id", [rule.id for rule in load_catalog() if rule.hadolint])
def test_hadolint_equivalents_agree_with_examples(
    catalog: Catalog, rule_id: str, tmp_path: Path
) -> None:
    """hadolint reports a listed code for the bad example and none for the good one."""
    rule = catalog.get(rule_id)
    exe = _hadolint()
    if exe is None:
        pytest.skip("hadolint is not installed (it is in the dev extra)")
    config: list[str | Path] = []
    if rule_id in HADOLINT_CONFIG:
        config = ["--config", tmp_path / "hadolint.yaml"]
        (tmp_path / "hadolint.yaml").write_text(HADOLINT_CONFIG[rule_id])
    codes: dict[str, set[str]] = {}
    for kind in ("bad", "good"):
        path = tmp_path / f"{kind}.Dockerfile"
        path.write_text(getattr(rule, kind))
        out = subprocess.run(
            [exe, "--no-color", "--no-fail", *config, path],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        codes[kind] = set(re.findall(r"\b(DL\d{4})\b", out))
    assert codes["bad"] & set(rule.hadolint), f"hadolint found {codes['bad']}"
    assert not codes["good"] & set(rule.hadolint), f"hadolint found {codes['good']}"


def test_lookup_by_id_name_and_case(catalog: Catalog) -> None:
    rule = catalog.get("IK201")
    assert isinstance(rule, Rule)
    assert catalog.get("ik201") is rule
    assert catalog.by_name("apt-lists-left") is rule
    assert catalog.lookup("apt-lists-left") is rule
    assert catalog.lookup("Ik201") is rule
    assert "ik201" in catalog
    assert [r.id for r in catalog] == list(catalog.ids)


@pytest.mark.parametrize("key", ["IK999", "no-such-rule"])
def test_unknown_rule_is_a_usage_error(catalog: Catalog, key: str) -> None:
    with pytest.raises(UsageError) as info:
        catalog.lookup(key)
    assert info.value.message == f"unknown rule {key}; `imagekit rules` lists them"
    assert info.value.exit_code == 2


def test_severity_rank_and_parse() -> None:
    ranks = [s.rank for s in (Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.STYLE)]
    assert ranks == [3, 2, 1, 0]
    assert Severity.parse("Warning") is Severity.WARNING
    with pytest.raises(ConfigError, match="error, warning, info, style"):
        Severity.parse("fatal")


# -- validation of malformed rule files ---------------------------------------------------

VALID: dict[str, object] = tomllib.loads((RULES / "IK203.toml").read_text())


def _toml(data: dict[str, object]) -> str:
    """A rule file for ``data``: JSON strings and arrays of strings are valid TOML values."""
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in data.items())


def _write(directory: Path, data: dict[str, object], name: str = "IK203.toml") -> Path:
    path = directory / name
    path.write_text(_toml(data))
    return path


def _with(**changes: object) -> dict[str, object]:
    data = {**VALID, **changes}
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("data", "key", "problem"),
    [
        (_with(severity="fatal"), "severity", "unknown severity"),
        (_with(name="Apk_Cache"), "name", "kebab-case"),
        (_with(id="IK204"), "id", "does not match the file name"),
        (_with(id="X1"), "id", "IKnnn"),
        (_with(category="speed"), "category", "is not one of"),
        (_with(hadolint=["3019"]), "hadolint", "hadolint codes"),
        (_with(hadolint="DL3019"), "hadolint", "hadolint codes"),
        (_with(summary=""), "summary", "non-empty string"),
        (_with(summary="a\nb"), "summary", "one line"),
        (_with(fix=None), "fix", "missing"),
        (_with(severty="info"), "severty", "unknown key"),
        (_with(bad="RUN apk add tzdata\n"), "bad", "FROM"),
        (_with(scope="registry"), "scope", "is not one of"),
        (_with(scope=True), "scope", "is not one of"),
    ],
)
def test_invalid_rule_file_names_file_and_key(
    tmp_path: Path, data: dict[str, object], key: str, problem: str
) -> None:
    path = _write(tmp_path, data)
    assert tomllib.loads(path.read_text())  # valid TOML: the loader's own checks must catch it
    with pytest.raises(ConfigError) as info:
        read_catalog(tmp_path)
    message = info.value.message
    assert str(path) in message
    assert f"key {key!r}" in message
    assert problem in message
    assert info.value.exit_code == 2


def test_valid_rule_file_round_trips(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    assert read_catalog(tmp_path).get("IK203") == load_catalog().get("IK203")


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    path = tmp_path / "IK203.toml"
    path.write_text(_toml(VALID) + "summary = \n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        read_catalog(tmp_path)
    assert str(path) in info.value.message


def test_duplicate_names_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    _write(tmp_path, _with(id="IK299"), name="IK299.toml")
    with pytest.raises(ConfigError, match=r"key 'name'.*already used"):
        read_catalog(tmp_path)


def test_empty_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no rule files"):
        read_catalog(tmp_path)


# -- data tables ----------------------------------------------------------------------------


def test_ca_bundle_table() -> None:
    entries = load_data("ca-bundles")["image"]
    by_name = {e["name"]: e for e in entries if "tag" not in e}
    for entry in entries:
        assert set(entry) <= {"name", "tag", "ca_bundle", "runtime_roots", "note"}
        assert isinstance(entry["ca_bundle"], bool)
    for name in ("scratch", "busybox", "debian", "ubuntu"):
        assert by_name[name]["ca_bundle"] is False
    for name in ("alpine", "python", "node", "golang", "distroless/*"):
        assert by_name[name]["ca_bundle"] is True


def test_base_image_table() -> None:
    entries = load_data("base-images")["image"]
    names = {e["name"] for e in entries}
    for name in ("golang", "rust", "gradle", "maven", "eclipse-temurin", "openjdk", "node"):
        assert name in names
    assert {"python", "ruby", "buildpack-deps"} <= names
    for entry in entries:
        assert set(entry) <= {
            "name",
            "tag",
            "tag_exclude",
            "kind",
            "suggestion",
            "typical_saving_mb",
        }
        assert entry["kind"] in ("toolchain", "full")
        assert isinstance(entry["typical_saving_mb"], int) and entry["typical_saving_mb"] > 0
        assert entry["suggestion"].strip()


@pytest.mark.parametrize("name", ["../IK201", "missing-table", "Base_Images"])
def test_load_data_rejects_unknown_tables(name: str) -> None:
    with pytest.raises(ConfigError):
        load_data(name)


# -- packaging ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"),
            *("--disable-pip-version-check", "-w", str(out), str(ROOT)),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("imagekit-*.whl")
    return built


def test_wheel_ships_the_rules_as_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in RULE_FILES:
        assert f"imagekit/_rules/{path.name}" in names
    assert "imagekit/_rules/data/ca-bundles.toml" in names
    assert "imagekit/_rules/data/base-images.toml" in names
    assert "imagekit/_rules/catalog.json" in names  # the precompiled form lint reads
    assert not any(name.startswith("rules/") for name in names)


def test_installed_wheel_reads_its_own_rules(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    shipped = tomllib.loads((site / "imagekit/_rules/IK201.toml").read_text())
    assert shipped["id"] == "IK201"
    # -S: no site-packages, so the editable checkout of the test run is out of sight.
    code = (
        "import imagekit.catalog as c; "
        "print(c.rules_dir()); print(len(c.load_catalog())); print(c.__file__)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert out[0] == str(site / "imagekit" / "_rules")
    assert int(out[1]) == len(RULE_FILES)
    assert out[2].startswith(str(site))
