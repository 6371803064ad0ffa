"""The rule catalogue.

Each rule is documented once, in ``rules/IKnnn.toml`` (shipped inside the wheel as
``imagekit/_rules``): its stable id, its name, severity and category, a one-line summary,
why it costs size or time, a bad and a good Dockerfile, how to fix it, and the equivalent
hadolint codes. ``imagekit explain``, ``imagekit rules``, the README table and the lint
checks all read it from here. Data tables used by the checks live in ``rules/data/``.

TOML keeps this module on the standard library. ``rules/catalog.json`` holds the same
tables precompiled (:func:`compile_catalog`; ``python -m imagekit.catalog`` writes it, and
a test fails when it differs from the TOML files), so a lint run reads one JSON file and
never imports the TOML parser; without it, the TOML files are read.
"""

import enum
import functools
import os
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from imagekit.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

CATEGORIES: tuple[str, ...] = ("parse", "layers", "cache", "certificates", "base-image", "practice")

_ID_RE = re.compile(r"^IK\d{3}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_HADOLINT_RE = re.compile(r"^(?:DL|SC)\d{4}$")
_DATA_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TEXT_KEYS = ("id", "name", "severity", "category", "summary", "why", "bad", "good", "fix")
_KEYS = frozenset((*_TEXT_KEYS, "hadolint", "enabled", "scope"))
#: Who reports a rule: the Dockerfile linter, the image analyser, or both.
SCOPES: tuple[str, ...] = ("dockerfile", "image", "both")
#: The precompiled catalogue, in the catalogue directory.
COMPILED = "catalog.json"
#: The data tables the precompiled catalogue holds: those the lint checks read. The others
#: (``measured-savings``, which bench/fix_savings.py rewrites) are read from their TOML.
COMPILED_DATA: tuple[str, ...] = ("base-images", "ca-bundles")


class Severity(enum.Enum):
    """How serious a finding is; ordered by :attr:`rank`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """3 for error down to 0 for style: compare ranks, not values."""
        return _RANKS[self]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        """The severity named ``value`` (case-insensitive); ConfigError if there is none."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            valid = ", ".join(s.value for s in cls)
            raise ConfigError(f"unknown severity {value!r}; valid values: {valid}") from None


_RANKS = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1, Severity.STYLE: 0}


class Rule(NamedTuple):
    """One catalogue entry."""

    id: str
    name: str
    severity: Severity
    category: str
    summary: str
    why: str
    bad: str
    good: str
    fix: str
    hadolint: tuple[str, ...]
    enabled: bool = True
    """False for rules that run only when a configuration selects them (version pinning)."""
    scope: str = "dockerfile"
    """``dockerfile`` (a lint check), ``image`` (the image analyser only) or ``both``."""

    @property
    def title(self) -> str:
        return f"{self.id} {self.name}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of every field."""
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity.value,
            "category": self.category,
            "summary": self.summary,
            "why": self.why,
            "bad": self.bad,
            "good": self.good,
            "fix": self.fix,
            "hadolint": list(self.hadolint),
            "enabled": self.enabled,
            "scope": self.scope,
        }


class Catalog:
    """Every rule, keyed and ordered by id."""

    __slots__ = ("rules",)

    rules: Mapping[str, Rule]

    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self.rules = rules

    def __repr__(self) -> str:
        return f"Catalog(rules={self.rules!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalog):
            return NotImplemented
        return self.rules == other.rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and rule_id.upper() in self.rules

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id (case-insensitive); UsageError if there is none."""
        rule = self.rules.get(rule_id.strip().upper())
        if rule is None:
            raise _unknown(rule_id)
        return rule

    def by_name(self, name: str) -> Rule:
        """The rule with this name; UsageError if there is none."""
        wanted = name.strip().lower()
        for rule in self.rules.values():
            if rule.name == wanted:
                return rule
        raise _unknown(name)

    def lookup(self, key: str) -> Rule:
        """A rule by id (``IK201``, ``ik201``) or by name (``apt-lists-left``)."""
        if key.strip().upper() in self.rules:
            return self.get(key)
        return self.by_name(key)


def _unknown(key: str) -> UsageError:
    return UsageError(f"unknown rule {key.strip()}; `imagekit rules` lists them")


def rules_dir() -> "Path":
    """The catalogue directory: ``imagekit/_rules`` when installed, ``<repo>/rules`` in a checkout."""
    from pathlib import Path

    return Path(_rules_path())


def _rules_path() -> str:
    """:func:`rules_dir` as a string (pathlib is not needed to read one rule)."""
    here = os.path.dirname(__file__)
    candidates = (os.path.join(here, "_rules"), os.path.join(os.path.dirname(here), "rules"))
    for candidate in candidates:
        if os.path.isdir(candidate):
            return candidate
    looked = ", ".join(candidates)
    raise ConfigError(f"rule catalogue not found (looked in {looked})", hint="reinstall imagekit")


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The shipped catalogue. Read once per process: it is read-only package data."""
    directory = rules_dir()
    compiled = _compiled(str(directory))
    if compiled is None:
        return read_catalog(directory)
    tables = compiled["rules"]
    return _catalog(
        (os.path.join(directory, f"{rule_id}.toml"), tables[rule_id]) for rule_id in tables
    )


@functools.cache
def load_rule(rule_id: str) -> Rule:
    """One rule of the shipped catalogue, as ``load_catalog().get(rule_id)`` returns it.

    Validates only that rule's entry, unless the whole catalogue is loaded already: the
    linter needs the entries of the rules that fire, not all of them.
    """
    if load_catalog.cache_info().currsize:
        return load_catalog().get(rule_id)
    key = rule_id.strip().upper()
    directory = _rules_path()
    path = os.path.join(directory, f"{key}.toml")
    compiled = _compiled(directory)
    if compiled is not None:
        table = compiled["rules"].get(key)
        if table is None:
            raise _unknown(rule_id)
        return parse_rule(path, table)
    if not _ID_RE.match(key) or not os.path.isfile(path):
        raise _unknown(rule_id)
    return parse_rule(path, _read_toml(path))


def read_catalog(directory: "Path") -> Catalog:
    """Read and validate every ``IKnnn.toml`` in ``directory``."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigError(f"no rule files (IKnnn.toml) in {directory}")
    return _catalog((path, _read_toml(path)) for path in files)


def _catalog(tables: "Iterator[tuple[str | Path, dict[str, Any]]]") -> Catalog:
    """The catalogue of (rule file, table) pairs, validated, ordered by id."""
    rules: dict[str, Rule] = {}
    names: dict[str, str | Path] = {}
    for path, table in tables:
        rule = parse_rule(path, table)
        if rule.name in names:
            raise ConfigError(
                f"rule file {path}: key 'name': {rule.name!r} is already used by {names[rule.name]}"
            )
        names[rule.name] = path
        rules[rule.id] = rule
    ordered = {rule_id: rules[rule_id] for rule_id in sorted(rules)}
    return Catalog(rules=MappingProxyType(ordered))


def load_data(name: str) -> dict[str, Any]:
    """The data table ``rules/data/<name>.toml`` (for example ``ca-bundles``)."""
    if not _DATA_NAME_RE.match(name):
        raise ConfigError(f"invalid data table name {name!r}")
    directory = _rules_path()
    compiled = _compiled(directory) if name in COMPILED_DATA else None
    if compiled is not None and name in compiled["data"]:
        table: dict[str, Any] = compiled["data"][name]
        return table
    path = os.path.join(directory, "data", f"{name}.toml")
    if not os.path.isfile(path):
        raise ConfigError(f"data table {name!r} not found at {path}")
    return _read_toml(path)


@functools.cache
def _compiled(directory: str) -> dict[str, Any] | None:
    """The precompiled catalogue of ``directory`` (None when there is none)."""
    import json

    path = os.path.join(directory, COMPILED)
    try:
        with open(path, "rb") as handle:
            compiled = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"precompiled rule catalogue {path}: cannot be read: {err}",
            hint="write it again with `python -m imagekit.catalog`",
        ) from None
    if not isinstance(compiled, dict) or set(compiled) != {"rules", "data"}:
        raise ConfigError(
            f"precompiled rule catalogue {path}: not a catalogue",
            hint="write it again with `python -m imagekit.catalog`",
        )
    return compiled


def compile_catalog(directory: "Path") -> str:
    """The precompiled form of the catalogue in ``directory``: every rule file's table and
    the data tables of :data:`COMPILED_DATA`, as JSON text (keys sorted, so the file only
    changes where a rule does). The rule files are validated first."""
    import json

    read_catalog(directory)
    rules = {path.stem: _read_toml(path) for path in sorted(directory.glob("*.toml"))}
    data = {name: _read_toml(directory / "data" / f"{name}.toml") for name in COMPILED_DATA}
    return json.dumps({"rules": rules, "data": data}, indent=1, sort_keys=True) + "\n"


def read_rule_file(path: "str | Path") -> dict[str, Any]:
    """The TOML table of one rule file; ConfigError naming the file when it cannot be read."""
    return _read_toml(path)


def _read_toml(path: "str | Path") -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"rule file {path}: invalid TOML: {err}") from None
    except OSError as err:
        raise ConfigError(f"rule file {path}: cannot be read: {err.strerror}") from None


def parse_rule(
    path: "str | Path",
    data: dict[str, Any],
    *,
    id_pattern: re.Pattern[str] = _ID_RE,
    id_form: str = "IKnnn",
    categories: tuple[str, ...] | None = CATEGORIES,
) -> Rule:
    """Validate the table of one rule file; ConfigError naming the file and the key.

    The defaults check a catalogue entry. Rules defined elsewhere pass their own id
    pattern (described by ``id_form`` in errors) and ``categories=None`` to accept any
    kebab-case category.
    """

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"rule file {path}: key {key!r}: {problem}")

    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise fail(unknown[0], "unknown key")
    text: dict[str, str] = {}
    for key in _TEXT_KEYS:
        if key not in data:
            raise fail(key, "missing")
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be a non-empty string")
        text[key] = value.strip() if key not in ("bad", "good") else value

    if not id_pattern.match(text["id"]):
        raise fail("id", f"{text['id']!r} is not of the form {id_form}")
    name = os.path.basename(path)
    if text["id"] != os.path.splitext(name)[0]:
        raise fail("id", f"{text['id']!r} does not match the file name {name}")
    if not _NAME_RE.match(text["name"]):
        raise fail("name", f"{text['name']!r} is not kebab-case")
    try:
        severity = Severity.parse(text["severity"])
    except ConfigError as err:
        raise fail("severity", err.message) from None
    if categories is None:
        if not _NAME_RE.match(text["category"]):
            raise fail("category", f"{text['category']!r} is not kebab-case")
    elif text["category"] not in categories:
        raise fail("category", f"{text['category']!r} is not one of {', '.join(categories)}")
    if "\n" in text["summary"]:
        raise fail("summary", "must be one line")
    for key in ("bad", "good"):
        if not _starts_with_from(text[key]):
            raise fail(key, "must be a whole Dockerfile whose first instruction is FROM (or ARG)")

    hadolint = data.get("hadolint", [])
    if not isinstance(hadolint, list) or not all(
        isinstance(code, str) and _HADOLINT_RE.match(code) for code in hadolint
    ):
        raise fail("hadolint", "must be a list of hadolint codes such as 'DL3009'")

    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", "must be true or false")

    scope = data.get("scope", "dockerfile")
    if scope not in SCOPES:
        raise fail("scope", f"{scope!r} is not one of {', '.join(SCOPES)}")

    return Rule(
        id=text["id"],
        name=text["name"],
        severity=severity,
        category=text["category"],
        summary=text["summary"],
        why=text["why"],
        bad=text["bad"],
        good=text["good"],
        fix=text["fix"],
        hadolint=tuple(hadolint),
        enabled=enabled,
        scope=scope,
    )


def _starts_with_from(dockerfile: str) -> bool:
    for line in dockerfile.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword = stripped.split(maxsplit=1)[0].upper()
        return keyword in ("FROM", "ARG")
    return False


def markdown_table(catalog: Catalog) -> str:
    """The README rule table: Rule, Name, Severity, Summary, hadolint, and the bytes each
    rule's fix saved on the examples (:func:`measured_savings`)."""
    savings = measured_savings()
    lines = [
        "| Rule | Name | Severity | Summary | hadolint | Fix saved on the examples |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in catalog:
        cells = (
            rule.id,
            f"`{rule.name}`",
            rule.severity.value if rule.enabled else f"{rule.severity.value} (off by default)",
            rule.summary,
            ", ".join(rule.hadolint),
            savings.get(rule.id, ""),
        )
        lines.append("| " + " | ".join(_md_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def measured_savings() -> dict[str, str]:
    """Rule id → what its fix saved on the examples, compressed as pushed (uncompressed in
    brackets), from ``rules/data/measured-savings.toml`` (written by bench/fix_savings.py
    with ``imagekit lint --diff --measure``); empty when the table is missing."""
    try:
        table = load_data("measured-savings").get("rules", {})
    except ConfigError:
        return {}
    out: dict[str, str] = {}
    for rule_id, entry in table.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("saved"), int):
            continue
        count = len(entry.get("examples", ()))
        broke = len(entry.get("broke_build", ()))
        if broke and not count:
            out[rule_id] = f"its fix alone broke the build of {broke} example{'s' * (broke != 1)}"
        else:
            out[rule_id] = (
                f"{_bytes(entry['saved'])} ({_bytes(entry.get('saved_uncompressed', 0))} "
                f"uncompressed) on {count} example{'s' * (count != 1)}"
            )
    return out


def _bytes(count: int) -> str:
    """``18.76 MB``, ``5.6 kB``, ``-205 B``: decimal units, as the size reports write them."""
    if abs(count) >= 1_000_000:
        return f"{count / 1e6:.2f} MB"
    if abs(count) >= 1000:
        return f"{count / 1e3:.1f} kB"
    return f"{count} B"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def explain_text(rule: Rule) -> str:
    """The long, human-readable description printed by ``imagekit explain``."""
    hadolint = ", ".join(rule.hadolint) if rule.hadolint else "none"
    sections = [
        f"{rule.id} {rule.name}",
        f"severity: {rule.severity.value}    category: {rule.category}"
        + ("" if rule.enabled else "    off by default"),
        "",
        rule.summary,
        "",
        "Why",
        _indent(rule.why, 2),
        "",
        "Bad",
        _indent(rule.bad.rstrip("\n"), 4),
        "",
        "Good",
        _indent(rule.good.rstrip("\n"), 4),
        "",
        "Fix",
        _indent(rule.fix, 2),
        "",
        f"hadolint equivalent: {hadolint}",
    ]
    return "\n".join(sections) + "\n"


def _indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


if __name__ == "__main__":
    # python -m imagekit.catalog: write rules/catalog.json from the rule files.
    import sys

    target = rules_dir() / COMPILED
    target.write_text(compile_catalog(rules_dir()), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
