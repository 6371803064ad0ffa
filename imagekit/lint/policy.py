"""Which rules run on a file, how severe their findings are, and when lint fails.

Settings come from, lowest first: the catalogue's defaults, the configuration file that
applies to the file (its ``lint`` section, then its ``overrides`` whose ``files`` match),
and the command-line flags. The engine applies the result after the checks have run:
ignored rules (configuration and inline comments) are dropped, severities overridden.
"""

import functools
import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from imagekit.catalog import Catalog, Rule, Severity, load_catalog, load_rule
from imagekit.config import files
from imagekit.errors import ConfigError, UsageError
from imagekit.lint.context import LintOptions

if TYPE_CHECKING:
    from imagekit.config import schema
    from imagekit.config.schema import LintSettings, ProjectConfig

#: Rule names in ignore comments and configuration, compiled on first use (re caches them).
_ID = r"^IK\d{3}$"
_SHELLCHECK = r"^(?:shellcheck-)?(SC\d{4})$"
_HADOLINT = r"^DL\d{4}$"


class Resolver:
    """Turns what people write for a rule (id, name, hadolint DL code) into a rule id.

    The catalogue is loaded only for names and DL codes. A team's own rules (from the
    configuration's rule directories) are known by id and name when given.
    """

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self.extra = dict(extra or {})
        """Upper-cased id or lower-cased name of a custom rule → its id."""
        self._catalog: Catalog | None = None
        self._hadolint: dict[str, str] | None = None

    def with_rules(self, rules: Mapping[str, Rule]) -> "Resolver":
        """A resolver that also knows ``rules`` (custom rules, by id)."""
        if not rules:
            return self
        extra = dict(self.extra)
        for rule in rules.values():
            extra[rule.id.upper()] = rule.id
            extra[rule.name.lower()] = rule.id
        resolver = Resolver(extra)
        resolver._catalog, resolver._hadolint = self._catalog, self._hadolint
        return resolver

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog()
        return self._catalog

    def hadolint_map(self) -> dict[str, str]:
        """DL code → rule id, for the codes that exactly one rule lists."""
        if self._hadolint is None:
            owners: dict[str, list[str]] = {}
            for rule in self.catalog:
                for code in rule.hadolint:
                    owners.setdefault(code, []).append(rule.id)
            self._hadolint = {code: ids[0] for code, ids in owners.items() if len(ids) == 1}
        return self._hadolint

    def __call__(self, token: str) -> str | None:
        key = token.strip()
        upper = key.upper()
        if self.extra:
            found = self.extra.get(upper) or self.extra.get(key.lower())
            if found is not None:
                return found
        if re.match(_ID, key, re.IGNORECASE):
            try:
                return load_rule(upper).id
            except UsageError:
                return None
        shellcheck = re.match(_SHELLCHECK, key, re.IGNORECASE)
        if shellcheck:
            return shellcheck.group(1).upper()
        if re.match(_HADOLINT, key, re.IGNORECASE):
            return self.hadolint_map().get(upper)
        try:
            return self.catalog.by_name(key).id
        except UsageError:
            return None


class Flags(NamedTuple):
    """What the command line says about policy; None or empty means "not given"."""

    config: str | None = None
    isolated: bool = False
    ignore: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    failure_threshold: str | None = None
    no_fail: bool = False


class FilePolicy(NamedTuple):
    """Everything that decides the lint result of one file."""

    options: LintOptions
    ignore: frozenset[str] = frozenset()
    severity: tuple[tuple[str, Severity], ...] = ()
    failure_threshold: str = "warning"
    no_fail: bool = False
    inline_ignores: bool = True
    config: str | None = None
    """The configuration file that applied, if any."""

    def severity_of(self, rule: str, default: Severity) -> Severity:
        for rule_id, severity in self.severity:
            if rule_id == rule:
                return severity
        return default

    @property
    def threshold_rank(self) -> int | None:
        """The lowest severity rank that fails, or None when nothing fails."""
        if self.no_fail or self.failure_threshold == "none":
            return None
        return Severity.parse(self.failure_threshold).rank


class Policies:
    """Finds and caches the policy of each linted file."""

    def __init__(self, base: LintOptions, flags: Flags, resolver: Resolver | None = None) -> None:
        self.base = base
        self.flags = flags
        self.resolver = resolver or Resolver()
        self._found: dict[str, str | None] = {}
        self._configs: dict[str, tuple[ProjectConfig, Resolver]] = {}
        self._explicit: tuple[ProjectConfig, Resolver] | None = None
        if flags.config is not None:
            self._explicit = self._load(flags.config)

    @staticmethod
    def _resolve_flags(tokens: tuple[str, ...], option: str, resolve: Resolver) -> frozenset[str]:
        out: set[str] = set()
        for raw in tokens:
            for token in (t for t in raw.replace(",", " ").split() if t):
                rule = resolve(token)
                if rule is None:
                    raise UsageError(
                        f"{option}: unknown rule {token!r}", hint="`imagekit rules` lists them"
                    )
                out.add(rule)
        return frozenset(out)

    def _load(self, path: str) -> "tuple[ProjectConfig, Resolver]":
        key = os.path.abspath(path)
        cached = self._configs.get(key)
        if cached is None:
            cached = self._configs[key] = load_config(path, self.resolver)
        return cached

    def config_for(self, directory: str | None) -> "tuple[ProjectConfig, Resolver] | None":
        if self._explicit is not None:
            return self._explicit
        if self.flags.isolated or directory is None:
            return None
        found = files.find(directory, self._found)
        return None if found is None else self._load(found)

    def for_file(self, path: str | None, directory: str | None) -> FilePolicy:
        """The policy of the file at ``path`` (None for standard input, judged from ``directory``)."""
        loaded = self.config_for(directory)
        config, resolver = loaded if loaded is not None else (None, self.resolver)
        layers: list[LintSettings] = []
        if config is not None:
            layers.append(config.lint)
            if path is not None:
                relative = os.path.relpath(os.path.abspath(path), config.directory)
                layers.extend(o.settings for o in config.overrides if _matches(o.files, relative))
        return self._merge(layers, config, resolver)

    def resolver_for(self, policy: FilePolicy) -> Resolver:
        """The resolver that knows the custom rules of the policy's configuration."""
        if policy.config is None:
            return self.resolver
        return self._load(policy.config)[1]

    def _merge(
        self, layers: "list[LintSettings]", config: "ProjectConfig | None", resolve: Resolver
    ) -> FilePolicy:
        hadolint = config is not None and config.kind == files.HADOLINT
        ignore: set[str] = set()
        enable: set[str] = set(self.base.enable)
        severity: dict[str, Severity] = {}
        threshold = "warning"
        no_fail = False
        inline = True
        registries = self.base.trusted_registries
        shellcheck = self.base.shellcheck
        for layer in layers:
            ignore |= {r for r in (resolve(ref.token) for ref in layer.ignore) if r}
            enable |= {r for r in (resolve(ref.token) for ref in layer.enable) if r}
            for ref, level in layer.severity:
                rule = resolve(ref.token)
                if rule is not None:
                    severity[rule] = Severity.parse(level)
            threshold = layer.failure_threshold or threshold
            no_fail = layer.no_fail if layer.no_fail is not None else no_fail
            inline = layer.inline_ignores if layer.inline_ignores is not None else inline
            if layer.trusted_registries is not None:
                registries = layer.trusted_registries
            if layer.shellcheck is not None and not self.base.shellcheck:
                shellcheck = layer.shellcheck
        ignore |= self._resolve_flags(self.flags.ignore, "--ignore", resolve)
        enable |= self._resolve_flags(self.flags.enable, "--enable", resolve)
        threshold = self.flags.failure_threshold or threshold
        no_fail = no_fail or self.flags.no_fail
        options = self.base._replace(
            enable=frozenset(enable), trusted_registries=registries, shellcheck=shellcheck
        )
        if config is not None and not hadolint:
            options = options._replace(
                rule_dirs=config.lint.rule_dirs, ca_bundles=config.lint.ca_bundles
            )
        return FilePolicy(
            options=options,
            ignore=frozenset(ignore),
            severity=tuple(sorted(severity.items())),
            failure_threshold=threshold,
            no_fail=no_fail,
            inline_ignores=inline,
            config=None if config is None else config.path,
        )


def load_config(path: str, resolver: Resolver | None = None) -> "tuple[ProjectConfig, Resolver]":
    """Read and validate one configuration file; ConfigError on its first problem.

    Also returns a resolver that knows the custom rules of its rule directories.
    """
    config, problems, resolver = validate_file(path, resolver)
    if problems:
        more = len(problems) - 1
        extra = f" ({more} more; `imagekit validate-config {path}` lists all)" if more else ""
        raise ConfigError(f"{problems[0]}{extra}")
    return config, resolver


def validate_file(
    path: str, resolver: Resolver | None = None, *, examples: bool = False
) -> "tuple[ProjectConfig, list[schema.Problem], Resolver]":
    """A configuration file's settings and all of its problems, rule names included.

    With ``examples``, each custom rule's bad and good example is also checked.
    """
    from imagekit.config import schema

    if not os.path.isfile(path):
        raise ConfigError(f"configuration file {path} not found")
    document = files.read(path)
    config, problems = schema.validate(document)
    resolver = resolver or Resolver()
    dirs = config.lint.rule_dirs
    line = document.line("lint", "rule-dirs")
    missing = [d for d in dirs if not os.path.isdir(d)]
    for directory in missing:
        problems.append(
            schema.Problem(path, line, f"'lint.rule-dirs': {directory} is not a directory")
        )
    if dirs and not missing:
        from imagekit.lint.custom import load_rule_dirs, validate_rule_dirs

        try:
            custom = validate_rule_dirs(dirs) if examples else load_rule_dirs(dirs)
        except ConfigError as exc:
            problems.append(schema.Problem(path, line, f"'lint.rule-dirs': {exc.message}"))
        else:
            resolver = resolver.with_rules(custom.rules)
    problems.extend(schema.check_rules(config, resolver))
    problems.sort(key=lambda p: p.line)
    return config, problems, resolver


def check_configs(paths: Sequence[str]) -> "tuple[list[str], list[schema.Problem]]":
    """Validate configuration files, or the configuration that applies in each directory.

    Returns the files checked and every problem; an unreadable or unparsable file is a
    problem of its own (line 1, or the line the parser names). Base-image definitions
    (``baseimages/*.yaml``, given or inside a given directory) are checked too.
    """
    from imagekit.config import baseimages

    checked: list[str] = []
    problems: list[schema.Problem] = []
    resolver = Resolver()
    for path in paths:
        if baseimages.base_files_of(path) and not os.path.isdir(os.path.join(path, "baseimages")):
            continue  # a definition file or a baseimages directory: checked below
        if os.path.isdir(path):
            found = files.find(path)
            if found is None:
                continue
            path = os.path.relpath(found)
        elif not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
        if path in checked:
            continue
        checked.append(path)
        try:
            _, found_problems, _ = validate_file(path, resolver, examples=True)
        except ConfigError as exc:
            problems.append(_problem_from_error(path, exc.message))
            continue
        problems.extend(found_problems)
    base_checked, base_problems = baseimages.check_paths(paths)
    return checked + base_checked, problems + base_problems


def _problem_from_error(path: str, message: str) -> "schema.Problem":
    """``FILE:LINE: text`` (or ``FILE: text``) from a loader's error, as a Problem."""
    from imagekit.config import schema

    match = re.match(rf"^{re.escape(path)}:(\d+): (.*)$", message)
    if match:
        return schema.Problem(path, int(match.group(1)), match.group(2))
    return schema.Problem(path, 1, message.removeprefix(f"{path}: "))


def _matches(patterns: tuple[str, ...], relative: str) -> bool:
    relative = relative.replace(os.sep, "/")
    return any(_glob(p).match(relative) for p in patterns)


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A gitignore-like glob: ``**`` spans directories, ``*`` and ``?`` do not cross ``/``;
    a pattern without ``/`` matches the file name in any directory."""
    text = pattern.strip().removeprefix("./")
    if "/" not in text.rstrip("/"):
        text = "**/" + text
    if text.endswith("/"):
        text += "**"
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return re.compile("".join(out) + r"(?:/.*)?\Z")


def ca_table(base: Mapping[str, Any], extra: tuple[Mapping[str, Any], ...]) -> dict[str, Any]:
    """The CA-bundle table with a configuration's entries tried first."""
    if not extra:
        return dict(base)
    table = dict(base)
    table["image"] = [*extra, *base.get("image", [])]
    return table
