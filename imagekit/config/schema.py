"""What a configuration file may say, checked key by key with the line of each problem.

An imagekit configuration (``.imagekit.yaml`` or ``[tool.imagekit]``) has a ``lint``
section::

    lint:
      ignore: [IK101, apt-lists-left]     # rule ids or names
      enable: [IK529]                     # rules that are off by default
      severity: {IK402: error}            # severity overrides
      failure-threshold: warning          # error | warning | info | style | none
      no-fail: false                      # exit 0 even with findings
      inline-ignores: true                # honour "# imagekit ignore=" comments
      trusted-registries: [registry.example.com]
      shellcheck: false                   # also check RUN scripts with ShellCheck
      rule-dirs: [ci/imagekit-rules]      # custom rules, relative to this file
      ca-bundles:                         # extends rules/data/ca-bundles.toml
        - {name: "base/python", ca_bundle: true}
      overrides:
        - files: ["legacy/**"]            # globs relative to this file
          ignore: [IK101]

and an ``inspect`` section, the CI gate of ``imagekit inspect`` (flags override it)::

    inspect:
      max-size: 120MB                     # bytes, or kB/MB/GB (1000) or KiB/MiB/GiB (1024)
      max-wasted-bytes: 5MiB
      max-wasted-percent: 10              # of all content bytes written
      min-efficiency: 0.95                # 0..1

A ``.hadolint.yaml`` is read for its ``ignored``, ``override``, ``failure-threshold``,
``no-fail``, ``trustedRegistries`` and ``disable-ignore-pragma``; the DL codes it names
are mapped to imagekit rules by the lint layer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from imagekit.config.files import HADOLINT, Document, Key

SEVERITIES = ("error", "warning", "info", "style")
THRESHOLDS = (*SEVERITIES, "none")


class Problem(NamedTuple):
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class RuleRef(NamedTuple):
    """A rule named in a configuration, as written, with where it was written."""

    token: str
    line: int


class LintSettings(NamedTuple):
    """The lint settings of one configuration section; None means "not set here"."""

    ignore: tuple[RuleRef, ...] = ()
    enable: tuple[RuleRef, ...] = ()
    severity: tuple[tuple[RuleRef, str], ...] = ()
    failure_threshold: str | None = None
    no_fail: bool | None = None
    inline_ignores: bool | None = None
    trusted_registries: tuple[str, ...] | None = None
    rule_dirs: tuple[str, ...] = ()
    """Absolute paths."""
    ca_bundles: tuple[Mapping[str, Any], ...] = ()
    shellcheck: bool | None = None


class Override(NamedTuple):
    files: tuple[str, ...]
    """Glob patterns, relative to the configuration file's directory."""
    settings: LintSettings
    line: int


class InspectSettings(NamedTuple):
    """The ``inspect`` section: the limits of the CI gate; None means "not set here"."""

    max_size: int | None = None
    max_wasted_bytes: int | None = None
    max_wasted_percent: float | None = None
    min_efficiency: float | None = None
    lines: tuple[tuple[str, int], ...] = ()
    """(key as written, line) of each limit set."""


class ProjectConfig(NamedTuple):
    """One configuration file, validated."""

    path: str
    kind: str
    directory: str
    lint: LintSettings
    overrides: tuple[Override, ...] = ()
    inspect: InspectSettings = InspectSettings()


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")
#: Size suffixes, lower-cased: decimal (1000) and binary (1024) units.
SIZE_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
SIZE_FORMS = "a number of bytes, optionally with kB, MB, GB (1000) or KiB, MiB, GiB (1024)"


def parse_size(value: object) -> int:
    """A size such as ``1500000``, ``120MB``, ``1.5 GiB`` in bytes; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"bad size {value!r}: expected {SIZE_FORMS}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"bad size {value!r}: must not be negative")
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    unit = SIZE_UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise ValueError(f"bad size {value!r}: expected {SIZE_FORMS}")
    return round(float(match.group(1)) * unit)


def parse_fraction(value: object, low: float, high: float, *, percent: bool = False) -> float:
    """A number in [low, high] (``percent``: a trailing ``%`` allowed); ValueError otherwise."""
    text = value.strip().removesuffix("%") if percent and isinstance(value, str) else value
    try:
        if isinstance(text, bool) or not isinstance(text, int | float | str):
            raise ValueError
        number = float(text)
    except ValueError:
        raise ValueError(f"bad number {value!r}: expected {low:g} to {high:g}") from None
    if not low <= number <= high:
        raise ValueError(f"{value!r} is out of range: expected {low:g} to {high:g}")
    return number


_SETTING_KEYS = (
    "ignore",
    "enable",
    "severity",
    "failure-threshold",
    "no-fail",
    "inline-ignores",
    "trusted-registries",
    "shellcheck",
)
_LINT_KEYS = frozenset((*_SETTING_KEYS, "rule-dirs", "ca-bundles", "overrides"))
_OVERRIDE_KEYS = frozenset((*_SETTING_KEYS, "files"))
_CA_KEYS = {"name": str, "tag": str, "ca_bundle": bool, "runtime_roots": bool, "note": str}
_TOP_KEYS = frozenset({"lint", "inspect"})
_INSPECT_KEYS = ("max-size", "max-wasted-bytes", "max-wasted-percent", "min-efficiency")


def validate(document: Document) -> tuple[ProjectConfig, list[Problem]]:
    """The settings of ``document`` and every problem found in it (unknown keys, bad values)."""
    if document.kind == HADOLINT:
        return _from_hadolint(document)
    problems: list[Problem] = []
    check = _Checker(document, problems)
    for key in sorted(set(document.data) - _TOP_KEYS, key=str):
        check.fail((key,), f"unknown key {key!r} (known: inspect, lint)")
    lint = document.data.get("lint", {})
    settings = LintSettings()
    overrides: list[Override] = []
    if not isinstance(lint, dict):
        check.fail(("lint",), "'lint' must be a mapping")
    else:
        for key in sorted(set(lint) - _LINT_KEYS, key=str):
            check.fail(("lint", key), f"unknown key 'lint.{key}'")
        settings = check.settings(lint, ("lint",))
        dirs = check.strings(lint, ("lint", "rule-dirs"))
        settings = settings._replace(
            rule_dirs=tuple(os.path.normpath(os.path.join(document.directory, d)) for d in dirs),
            ca_bundles=check.ca_bundles(lint),
        )
        overrides = check.overrides(lint)
    config = ProjectConfig(
        document.path,
        document.kind,
        document.directory,
        settings,
        tuple(overrides),
        check.inspect(document.data.get("inspect")),
    )
    return config, problems


class _Checker:
    def __init__(self, document: Document, problems: list[Problem]) -> None:
        self.document = document
        self.problems = problems

    def fail(self, key: Key, message: str) -> None:
        self.problems.append(Problem(self.document.path, self.document.line(*key), message))

    def _get(self, data: Mapping[str, Any], key: Key) -> Any:
        return data.get(str(key[-1]))

    def strings(self, data: Mapping[str, Any], key: Key) -> tuple[str, ...]:
        value = self._get(data, key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, f"'{_dotted(key)}' must be a list of strings")
            return ()
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail((*key, index), f"'{_dotted(key)}' items must be non-empty strings")
            else:
                out.append(item.strip())
        return tuple(out)

    def rules(self, data: Mapping[str, Any], key: Key) -> tuple[RuleRef, ...]:
        value = self._get(data, key)
        if isinstance(value, str):
            tokens = [t for t in value.replace(",", " ").split() if t]
            return tuple(RuleRef(t, self.document.line(*key)) for t in tokens)
        strings = self.strings(data, key)
        return tuple(RuleRef(s, self.document.line(*key, i)) for i, s in enumerate(strings))

    def choice(self, data: Mapping[str, Any], key: Key, choices: tuple[str, ...]) -> str | None:
        value = self._get(data, key)
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().lower() not in choices:
            self.fail(key, f"'{_dotted(key)}' must be one of {', '.join(choices)}; got {value!r}")
            return None
        return value.strip().lower()

    def flag(self, data: Mapping[str, Any], key: Key) -> bool | None:
        value = self._get(data, key)
        if value is None or isinstance(value, bool):
            return value
        self.fail(key, f"'{_dotted(key)}' must be true or false; got {value!r}")
        return None

    def settings(self, data: Mapping[str, Any], key: Key) -> LintSettings:
        severity: list[tuple[RuleRef, str]] = []
        raw = data.get("severity")
        if raw is not None and not isinstance(raw, dict):
            self.fail((*key, "severity"), f"'{_dotted((*key, 'severity'))}' must be a mapping")
        elif isinstance(raw, dict):
            for rule, level in raw.items():
                where = (*key, "severity", rule)
                if not isinstance(level, str) or level.strip().lower() not in SEVERITIES:
                    self.fail(
                        where,
                        f"severity of {rule} must be one of {', '.join(SEVERITIES)}; got {level!r}",
                    )
                    continue
                severity.append((RuleRef(str(rule), self.document.line(*where)), level.lower()))
        registries = (
            self.strings(data, (*key, "trusted-registries"))
            if "trusted-registries" in data
            else None
        )
        return LintSettings(
            ignore=self.rules(data, (*key, "ignore")),
            enable=self.rules(data, (*key, "enable")),
            severity=tuple(severity),
            failure_threshold=self.choice(data, (*key, "failure-threshold"), THRESHOLDS),
            no_fail=self.flag(data, (*key, "no-fail")),
            inline_ignores=self.flag(data, (*key, "inline-ignores")),
            trusted_registries=registries,
            shellcheck=self.flag(data, (*key, "shellcheck")),
        )

    def inspect(self, raw: Any) -> InspectSettings:
        if raw is None:
            return InspectSettings()
        if not isinstance(raw, dict):
            self.fail(("inspect",), "'inspect' must be a mapping")
            return InspectSettings()
        for key in sorted(set(raw) - set(_INSPECT_KEYS), key=str):
            known = ", ".join(_INSPECT_KEYS)
            self.fail(("inspect", key), f"unknown key 'inspect.{key}' (known: {known})")
        values: dict[str, Any] = {}
        lines: list[tuple[str, int]] = []
        for key in _INSPECT_KEYS:
            if raw.get(key) is None:
                continue
            value = raw[key]
            try:
                if key in ("max-size", "max-wasted-bytes"):
                    values[key] = parse_size(value)
                elif key == "max-wasted-percent":
                    values[key] = parse_fraction(value, 0, 100, percent=True)
                else:
                    values[key] = parse_fraction(value, 0, 1)
            except ValueError as exc:
                self.fail(("inspect", key), f"'inspect.{key}': {exc}")
                continue
            lines.append((key, self.document.line("inspect", key)))
        return InspectSettings(
            max_size=values.get("max-size"),
            max_wasted_bytes=values.get("max-wasted-bytes"),
            max_wasted_percent=values.get("max-wasted-percent"),
            min_efficiency=values.get("min-efficiency"),
            lines=tuple(lines),
        )

    def ca_bundles(self, lint: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
        raw = lint.get("ca-bundles")
        if raw is None:
            return ()
        key: Key = ("lint", "ca-bundles")
        if not isinstance(raw, list):
            self.fail(key, "'lint.ca-bundles' must be a list of entries")
            return ()
        entries: list[Mapping[str, Any]] = []
        for index, entry in enumerate(raw):
            where = (*key, index)
            if not isinstance(entry, dict):
                self.fail(where, "'lint.ca-bundles' entries must be mappings")
                continue
            ok = True
            for name in sorted(set(entry) - set(_CA_KEYS), key=str):
                self.fail((*where, name), f"unknown key {name!r} in a ca-bundles entry")
                ok = False
            for name, kind in _CA_KEYS.items():
                if name in entry and not isinstance(entry[name], kind):
                    self.fail((*where, name), f"'{name}' must be a {kind.__name__}")
                    ok = False
            for name in ("name", "ca_bundle"):
                if name not in entry:
                    self.fail(where, f"a ca-bundles entry needs '{name}'")
                    ok = False
            if ok:
                entries.append(dict(entry))
        return tuple(entries)

    def overrides(self, lint: Mapping[str, Any]) -> list[Override]:
        raw = lint.get("overrides")
        if raw is None:
            return []
        key: Key = ("lint", "overrides")
        if not isinstance(raw, list):
            self.fail(key, "'lint.overrides' must be a list")
            return []
        out: list[Override] = []
        for index, entry in enumerate(raw):
            where = (*key, index)
            if not isinstance(entry, dict):
                self.fail(where, "'lint.overrides' entries must be mappings")
                continue
            for name in sorted(set(entry) - _OVERRIDE_KEYS, key=str):
                self.fail((*where, name), f"unknown key {name!r} in an override")
            files = self.strings(entry, (*where, "files"))
            if not files:
                self.fail(where, "an override needs 'files' (glob patterns)")
                continue
            settings = self.settings(entry, where)
            out.append(Override(files, settings, self.document.line(*where)))
        return out


def _dotted(key: Key) -> str:
    parts: list[str] = []
    for part in key:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(part)
    return ".".join(parts)


_HADOLINT_LEVELS = {"error": "error", "warning": "warning", "info": "info", "style": "style"}


def _from_hadolint(document: Document) -> tuple[ProjectConfig, list[Problem]]:
    """A .hadolint.yaml's settings in imagekit's terms (DL codes still to be mapped)."""
    problems: list[Problem] = []
    check = _Checker(document, problems)
    data = document.data
    severity: list[tuple[RuleRef, str]] = []
    override = data.get("override")
    if isinstance(override, dict):
        for level in override:
            if level not in _HADOLINT_LEVELS:
                continue
            for ref in check.rules(override, ("override", level)):
                severity.append((ref, _HADOLINT_LEVELS[level]))
    threshold = data.get("failure-threshold")
    if isinstance(threshold, str) and threshold.lower() == "ignore":
        threshold = "none"
    registries = (
        check.strings(data, ("trustedRegistries",)) if "trustedRegistries" in data else None
    )
    pragma = check.flag(data, ("disable-ignore-pragma",))
    settings = LintSettings(
        ignore=check.rules(data, ("ignored",)),
        severity=tuple(severity),
        failure_threshold=check.choice(
            {"failure-threshold": threshold}, ("failure-threshold",), THRESHOLDS
        )
        if threshold is not None
        else None,
        no_fail=check.flag(data, ("no-fail",)),
        inline_ignores=None if pragma is None else not pragma,
        trusted_registries=registries,
    )
    return ProjectConfig(document.path, document.kind, document.directory, settings), problems


def rule_refs(config: ProjectConfig) -> list[tuple[RuleRef, str]]:
    """Every rule the configuration names, with the key that names it."""
    refs: list[tuple[RuleRef, str]] = []

    def add(settings: LintSettings, prefix: str) -> None:
        refs.extend((ref, f"{prefix}ignore") for ref in settings.ignore)
        refs.extend((ref, f"{prefix}enable") for ref in settings.enable)
        refs.extend((ref, f"{prefix}severity") for ref, _ in settings.severity)

    add(config.lint, "lint.")
    for index, override in enumerate(config.overrides):
        add(override.settings, f"lint.overrides[{index}].")
    return refs


def check_rules(config: ProjectConfig, resolve: Callable[[str], str | None]) -> list[Problem]:
    """Problems for rules that ``resolve`` does not know (not for a .hadolint.yaml's DL codes)."""
    if config.kind == HADOLINT:
        return []
    return [
        Problem(config.path, ref.line, f"'{key}': unknown rule {ref.token!r}")
        for ref, key in rule_refs(config)
        if resolve(ref.token) is None
    ]
