"""A team's own declarative rules: TOML files in the rule directories a configuration names.

A rule file has the keys of a catalogue entry (``rules/IKnnn.toml``) and a ``[match]``
table in one of four shapes:

- ``command`` (optionally ``subcommand``) with ``without-flag``: the command runs without
  any of the flags;
- ``command`` (optionally ``subcommand``) with ``cleanup`` (a path a later command of the
  same RUN removes) or ``cleanup-command`` (a later command of the same RUN): the RUN does
  not clean up after the command. With ``without-flag`` too, either one makes it fine;
  with neither, every use of the command is flagged;
- ``from``: the base image of a stage matches a glob;
- ``instruction`` with an optional ``arguments`` regular expression.

``stages = "shipped"`` or ``"all"`` chooses the stages judged: by default the shipped
stages for commands (what a builder stage leaves behind is not shipped) and every stage
for ``from`` and ``instruction`` (policies hold for builder stages as well).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from imagekit.catalog import Rule, load_catalog, load_data, parse_rule, read_rule_file
from imagekit.dockerfile import parse
from imagekit.dockerfile.model import KNOWN_INSTRUCTIONS
from imagekit.dockerfile.shell import ShellParser
from imagekit.errors import ConfigError
from imagekit.lint.context import Context, LintOptions
from imagekit.lint.custommatch import CommandMatch, FromMatch, InstructionMatch
from imagekit.lint.findings import Violation

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["CustomRules", "check_examples", "load_rule_dirs", "validate_rule_dirs"]

Check = Callable[[Context], Iterator[Violation]]

ID_RE = re.compile(r"^[A-Z]{2,8}\d{3,4}$")
ID_FORM = "PREFIXnnn (2 to 8 capital letters, then 3 or 4 digits, e.g. ACME101)"
RESERVED_PREFIXES = ("IK", "DL", "SC")
"""Taken by imagekit's own rules, hadolint and ShellCheck."""

_FLAG_RE = re.compile(r"^(?:-[A-Za-z0-9]|--[A-Za-z0-9][A-Za-z0-9._-]*)$")
_SCOPES = ("shipped", "all")
_SHAPES = {
    "command": frozenset({"subcommand", "without-flag", "cleanup", "cleanup-command"}),
    "from": frozenset(),
    "instruction": frozenset({"arguments"}),
}
_MATCH_KEYS = frozenset({"stages", *_SHAPES, *(k for ks in _SHAPES.values() for k in ks)})


class CustomRules(NamedTuple):
    """The rules of some rule directories: entries, checks and files, by rule id."""

    rules: Mapping[str, Rule]
    checks: Mapping[str, Check]
    """Each works like a shipped check module's ``check``: Context in, Violations out."""
    files: Mapping[str, str]
    """The file each rule was read from, for messages."""


def load_rule_dirs(dirs: Iterable[str | os.PathLike[str]]) -> CustomRules:
    """Read and validate every ``*.toml`` of ``dirs`` (other files are ignored).

    ConfigError names the directory when it does not exist, else the file and the key.
    """
    rules: dict[str, Rule] = {}
    checks: dict[str, Check] = {}
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    for directory in dirs:
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise ConfigError(
                f"rule directory {directory} does not exist",
                hint="check rule-dirs in the configuration",
            )
        for entry in sorted(os.listdir(directory)):
            path = os.path.join(directory, entry)
            if not entry.endswith(".toml") or not os.path.isfile(path):
                continue
            rule, check = _load_file(path)
            if rule.id in files:
                raise _fail(path, "id", f"{rule.id!r} is already defined in {files[rule.id]}")
            if rule.name in names:
                raise _fail(path, "name", f"{rule.name!r} is already used by {names[rule.name]}")
            rules[rule.id], checks[rule.id], files[rule.id] = rule, check, path
            names[rule.name] = path
    if rules:
        for shipped in load_catalog():
            if shipped.name in names:
                raise _fail(
                    names[shipped.name], "name", f"{shipped.name!r} is the name of {shipped.id}"
                )
    return CustomRules(MappingProxyType(rules), MappingProxyType(checks), MappingProxyType(files))


def check_examples(custom: CustomRules, shell: ShellParser) -> None:
    """ConfigError unless each rule's bad example triggers it and its good example does not."""
    for rule_id, rule in custom.rules.items():
        path = custom.files[rule_id]
        for key, text in (("bad", rule.bad), ("good", rule.good)):
            dockerfile = parse(text, f"{path} ({key})")
            if dockerfile.problems:
                raise _fail(path, key, f"does not parse: {dockerfile.problems[0].message}")
            ctx = Context(dockerfile, shell, LintOptions(), None, load_data)
            found = list(custom.checks[rule_id](ctx))
            if key == "bad" and not found:
                raise _fail(path, key, f"does not trigger {rule_id}")
            if key == "good" and found:
                line = dockerfile.span(found[0].start, found[0].end).line
                raise _fail(path, key, f"triggers {rule_id} on line {line}: {found[0].message}")


def validate_rule_dirs(
    dirs: Iterable[str | os.PathLike[str]], shell: ShellParser | None = None
) -> CustomRules:
    """:func:`load_rule_dirs`, then :func:`check_examples` on what it read."""
    custom = load_rule_dirs(dirs)
    if custom.rules:
        check_examples(custom, shell if shell is not None else ShellParser())
    return custom


# -- reading one file ------------------------------------------------------------------------


def _fail(path: str | Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"rule file {path}: key {key!r}: {problem}")


def _load_file(path: str) -> tuple[Rule, Check]:
    data = read_rule_file(path)
    entry = {key: value for key, value in data.items() if key != "match"}
    rule = parse_rule(path, entry, id_pattern=ID_RE, id_form=ID_FORM, categories=None)
    reserved = next((p for p in RESERVED_PREFIXES if rule.id.startswith(p)), None)
    if reserved is not None:
        raise _fail(path, "id", f"{rule.id!r}: the prefix {reserved} is reserved; use your own")
    if "match" not in data:
        raise _fail(path, "match", "missing: add a [match] table")
    if not isinstance(data["match"], dict):
        raise _fail(path, "match", "must be a table ([match])")
    return rule, _matcher(path, rule, data["match"])


def _matcher(path: str, rule: Rule, table: dict[str, Any]) -> Check:
    unknown = sorted(set(table) - _MATCH_KEYS)
    if unknown:
        valid = ", ".join(sorted(_MATCH_KEYS))
        raise _fail(path, f"match.{unknown[0]}", f"unknown key (valid keys: {valid})")
    shapes = [shape for shape in _SHAPES if shape in table]
    if len(shapes) > 1:
        raise _fail(
            path,
            f"match.{shapes[1]}",
            f"cannot be combined with 'match.{shapes[0]}': one shape per rule",
        )
    if not shapes:
        for key in sorted(table):
            owner = next((s for s, keys in _SHAPES.items() if key in keys), None)
            if owner is not None:
                raise _fail(path, f"match.{key}", f"needs 'match.{owner}'")
        raise _fail(path, "match", "names no shape: give command, from or instruction")
    shape = shapes[0]
    for key in sorted(table):
        if key not in _SHAPES[shape] and key not in (shape, "stages"):
            owner = next(s for s, keys in _SHAPES.items() if key in keys)
            raise _fail(path, f"match.{key}", f"belongs with 'match.{owner}', not 'match.{shape}'")
    read = _Reader(path, table)
    scope = read.choice("stages", _SCOPES, "shipped" if shape == "command" else "all")
    advice = " ".join(rule.fix.strip().split("\n\n")[0].split())
    if shape == "command":
        return _command_matcher(read, rule.id, scope, advice).check
    if shape == "from":
        return FromMatch(rule.id, scope, advice, read.strings("from")).check
    keywords = tuple(k.upper() for k in read.strings("instruction"))
    for keyword in keywords:
        if keyword not in KNOWN_INSTRUCTIONS:
            raise _fail(path, "match.instruction", f"{keyword!r} is not a Dockerfile instruction")
    return InstructionMatch(rule.id, scope, advice, keywords, read.regex("arguments")).check


def _command_matcher(read: _Reader, rule: str, scope: str, advice: str) -> CommandMatch:
    names = read.strings("command")
    for name in names:
        if any(c.isspace() for c in name) or "/" in name:
            raise _fail(read.path, "match.command", f"{name!r} is not a command name")
    flags = read.strings("without-flag", required=False)
    for flag in flags:
        if not _FLAG_RE.match(flag):
            raise _fail(
                read.path, "match.without-flag", f"{flag!r} is not a flag like -f or --fail"
            )
    cleanup = read.string("cleanup")
    if cleanup is not None and not cleanup.startswith(("/", "~", "$HOME", "${HOME}")):
        raise _fail(read.path, "match.cleanup", f"{cleanup!r} is not an absolute path")
    cleanup_commands: list[tuple[str, ...]] = []
    for text in read.strings("cleanup-command", required=False):
        try:
            words = tuple(shlex.split(text))
        except ValueError as err:
            raise _fail(read.path, "match.cleanup-command", f"{text!r}: {err}") from None
        if not words:
            raise _fail(read.path, "match.cleanup-command", "must name a command")
        cleanup_commands.append(words)
    return CommandMatch(
        rule,
        scope,
        advice,
        names,
        read.strings("subcommand", required=False),
        flags,
        cleanup,
        tuple(cleanup_commands),
    )


class _Reader(NamedTuple):
    path: str
    table: dict[str, Any]

    def strings(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A non-empty string or a non-empty list of them."""
        value = self.table.get(key)
        if value is None and not required:
            return ()
        values = [value] if isinstance(value, str) else value
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v.strip() for v in values)
        ):
            raise _fail(self.path, f"match.{key}", "must be a non-empty string or list of strings")
        return tuple(v.strip() for v in values)

    def string(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _fail(self.path, f"match.{key}", "must be a non-empty string")
        return value.strip() if value is not None else None

    def choice(self, key: str, valid: tuple[str, ...], default: str) -> str:
        value = self.string(key)
        if value is not None and value not in valid:
            raise _fail(self.path, f"match.{key}", f"must be one of {', '.join(valid)}")
        return value if value is not None else default

    def regex(self, key: str) -> re.Pattern[str] | None:
        value = self.string(key)
        if value is None:
            return None
        try:
            return re.compile(value)
        except re.error as err:
            raise _fail(self.path, f"match.{key}", f"invalid regular expression: {err}") from None
