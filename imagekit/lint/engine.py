"""The lint engine: parse, run every check over the model, turn violations into findings."""

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from imagekit.catalog import Catalog, Rule, load_catalog, load_data, load_rule
from imagekit.dockerfile import Dockerfile, parse_bytes, target_stage
from imagekit.dockerfile.shell import ShellParser
from imagekit.lint.context import Context, LintOptions
from imagekit.lint.discover import STDIN, discover
from imagekit.lint.findings import Finding, Violation
from imagekit.lint.policy import FilePolicy, Flags, Policies, Resolver, ca_table

if TYPE_CHECKING:
    from pathlib import Path

    from imagekit.lint.shellcheck import ShellCheck

__all__ = ["Flags", "LintOptions", "LintResult", "Linter", "Linters", "lint_paths"]

SYNTAX_RULE = "IK001"
MAX_BYTES = 64 * 1024 * 1024


class LintResult:
    """What a lint call found, over every input."""

    __slots__ = ("errors", "failing", "files", "findings")

    findings: list[Finding]
    errors: list[str]
    """One line per input that could not be read; the other inputs are still linted."""
    files: int
    failing: int
    """Findings at or above the failure threshold of their file's policy."""

    def __init__(
        self,
        findings: list[Finding] | None = None,
        errors: list[str] | None = None,
        files: int = 0,
        failing: int = 0,
    ) -> None:
        self.findings = [] if findings is None else findings
        self.errors = [] if errors is None else errors
        self.files = files
        self.failing = failing

    def _values(self) -> tuple[list[Finding], list[str], int, int]:
        return self.findings, self.errors, self.files, self.failing

    def __repr__(self) -> str:
        findings, errors, files, failing = self._values()
        return (
            f"LintResult(findings={findings!r}, errors={errors!r}, files={files!r}, "
            f"failing={failing!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LintResult):
            return NotImplemented
        return self._values() == other._values()


class Linter:
    """Lints Dockerfile bytes. Holds the shell parser, rules and data tables for reuse across files.

    Without an explicit catalogue, only the entries of the rules that fire are read. A check
    module is loaded and run only for a file that holds what it looks at
    (:data:`imagekit.lint.checks.LOOKS_AT`); ``every_check`` runs them all on every file
    (the same findings, more slowly: tests compare the two).
    """

    def __init__(
        self,
        options: LintOptions,
        catalog: Catalog | None = None,
        *,
        policy: FilePolicy | None = None,
        resolver: Resolver | None = None,
        shell: ShellParser | None = None,
        every_check: bool = False,
    ) -> None:
        from imagekit.lint.checks import NAMES, OFF_BY_DEFAULT, rule_of

        self.options = options
        self._catalog = catalog
        enable = options.enable
        self._names = tuple(
            name
            for name in NAMES
            if rule_of(name) not in OFF_BY_DEFAULT or "ALL" in enable or rule_of(name) in enable
        )
        self._every_check = every_check
        self._checks: tuple[Callable[[Context], Iterable[Violation]], ...] = ()
        """Checks that run on every file: the custom rules'."""
        self._shell: ShellParser | None = shell
        self._custom: dict[str, Rule] = {}
        """A team's own rules, read from ``options.rule_dirs``, by id."""
        if options.rule_dirs:
            from imagekit.lint.custom import validate_rule_dirs

            custom = validate_rule_dirs(options.rule_dirs, self.shell)
            self._custom = dict(custom.rules)
            self._checks += tuple(
                check
                for rule, check in custom.checks.items()
                if custom.rules[rule].enabled or "ALL" in enable or rule in enable
            )
        self.policy = policy if policy is not None else FilePolicy(options)
        """Ignored rules and severity overrides, applied after the checks."""
        self.resolver = (resolver if resolver is not None else Resolver()).with_rules(self._custom)
        """Reads rule names in inline ignore comments."""
        self._data: dict[str, dict[str, Any]] = {}
        self.shellcheck: ShellCheck | None = None
        """The ShellCheck pass (``--shellcheck``), None when off."""
        if options.shellcheck:
            from imagekit.lint import shellcheck

            self.shellcheck = shellcheck.ShellCheck(shellcheck.find_shellcheck())

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog()
        return self._catalog

    def _rule(self, rule_id: str) -> Rule:
        custom = self._custom.get(rule_id)
        if custom is not None:
            return custom
        if self._catalog is not None:
            return self._catalog.get(rule_id)
        return load_rule(rule_id)

    def _load_data(self, name: str) -> dict[str, Any]:
        """A data table, read once per linter (the checks only read it)."""
        table = self._data.get(name)
        if table is None:
            table = load_data(name)
            if name == "ca-bundles":
                table = ca_table(table, self.options.ca_bundles)
            self._data[name] = table
        return table

    @property
    def shell(self) -> ShellParser:
        if self._shell is None:
            self._shell = ShellParser()
        return self._shell

    def lint_bytes(self, data: bytes, path: str, directory: "Path | str | None") -> list[Finding]:
        dockerfile = parse_bytes(data, path)
        return self.lint_model(dockerfile, directory)

    def lint_text(
        self, text: str, path: str = "Dockerfile", directory: "Path | str | None" = None
    ) -> list[Finding]:
        return self.lint_bytes(text.encode("utf-8"), path, directory)

    def lint_model(self, dockerfile: Dockerfile, directory: "Path | str | None") -> list[Finding]:
        violations: list[Violation] = [
            Violation(SYNTAX_RULE, p.start, max(p.end, p.start), p.message)
            for p in dockerfile.problems
        ]
        if dockerfile.parsed:
            if (
                self.options.target is not None
                and target_stage(dockerfile, self.options.target) is None
            ):
                names = ", ".join(s.name for s in dockerfile.stages if s.name) or "none"
                violations.append(
                    Violation(
                        SYNTAX_RULE,
                        0,
                        0,
                        f"target stage {self.options.target!r} not found (stages: {names})",
                    )
                )
            else:
                context = Context(dockerfile, self.shell, self.options, directory, self._load_data)
                for check in self._checks_for(dockerfile):
                    violations.extend(check(context))
                if self.shellcheck is not None:
                    violations.extend(self.shellcheck.check(context))
        return [self._finding(dockerfile, v) for v in self._kept(dockerfile, violations)]

    def _checks_for(
        self, dockerfile: Dockerfile
    ) -> Iterator[Callable[[Context], Iterable[Violation]]]:
        """The checks to run on ``dockerfile``: the modules that can fire on it (every
        enabled one with ``every_check``), then the custom rules."""
        from imagekit.lint.checks import load_check, looked_at, wanted

        names = self._names if self._every_check else wanted(self._names, looked_at(dockerfile))
        for name in names:
            yield load_check(name)
        yield from self._checks

    def _kept(self, dockerfile: Dockerfile, violations: list[Violation]) -> list[Violation]:
        """The violations that neither the policy nor an inline comment ignores (the
        suppression module is loaded only for a policy that ignores rules, or a file with
        a comment that says ``ignore``)."""
        kept = violations
        if self.policy.ignore:
            from imagekit.lint.suppress import UNIGNORABLE

            ignore = self.policy.ignore - UNIGNORABLE
            kept = [v for v in violations if v.rule not in ignore]
        if kept and self.policy.inline_ignores and _ignore_comment(dockerfile):
            from imagekit.lint.suppress import suppressions

            marks = suppressions(dockerfile, self.resolver)
            if marks:
                kept = [v for v in kept if not marks.ignores(v.rule, v.start)]
        return kept

    def _finding(self, dockerfile: Dockerfile, violation: Violation) -> Finding:
        if self.shellcheck is not None and self.shellcheck.owns(violation.rule):
            rule = self.shellcheck.rule(violation.rule)
        else:
            rule = self._rule(violation.rule)
        span = dockerfile.span(violation.start, violation.end)
        return Finding(
            path=dockerfile.path,
            rule=rule.id,
            name=rule.name,
            severity=self.policy.severity_of(rule.id, rule.severity),
            message=violation.message,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            fix=violation.fix.located(dockerfile.span) if violation.fix else None,
        )


class Linters:
    """A linter for each policy: files under different configurations lint differently."""

    def __init__(self, options: LintOptions, flags: Flags | None = None) -> None:
        self.policies = Policies(options, flags or Flags())
        self._linters: dict[object, Linter] = {}
        self._shell: ShellParser | None = None

    def for_file(self, path: str | None, directory: str) -> Linter:
        """The linter for the file at ``path`` (None: standard input, configured from ``directory``)."""
        policy = self.policies.for_file(path, directory)
        key = (policy.config, policy._replace(options=policy.options._replace(ca_bundles=())))
        linter = self._linters.get(key)
        if linter is None:
            resolver = self.policies.resolver_for(policy)
            linter = Linter(policy.options, policy=policy, resolver=resolver, shell=self._shell)
            self._shell = linter.shell if self._shell is None else self._shell
            self._linters[key] = linter
        return linter


def lint_paths(
    paths: Sequence[str], options: LintOptions, stdin: BinaryIO, flags: Flags | None = None
) -> LintResult:
    """Lint files, directories (searched for Dockerfiles) and ``-`` (standard input).

    Each file is linted under the configuration found from its directory upward (or the
    one ``flags.config`` names); ``flags`` override it.
    """
    result = LintResult()
    linters = Linters(options, flags)
    files, errors = discover(paths)
    result.errors.extend(errors)
    for source in read_sources(files, stdin, result.errors):
        linter = linters.for_file(source.path, source.parent)
        directory = options.context if options.context is not None else source.parent
        result.files += 1
        found = linter.lint_bytes(source.data, source.display, directory)
        floor = linter.policy.threshold_rank
        if floor is not None:
            result.failing += sum(1 for f in found if f.severity.rank >= floor)
        result.findings.extend(found)
    result.findings.sort(key=lambda f: f.sort_key)
    return result


class Source(NamedTuple):
    """One Dockerfile read for linting or fixing."""

    data: bytes
    display: str
    """The name shown in findings: the path, or ``<stdin>``."""
    path: str | None
    """None for standard input."""
    parent: str
    """The file's directory (the working directory for standard input)."""


def read_sources(files: Sequence[str], stdin: BinaryIO, errors: list[str]) -> Iterator[Source]:
    """Read discovered files (``-`` is standard input) in order.

    A file that cannot be read or is larger than ``MAX_BYTES`` is skipped and a message
    naming it is appended to ``errors``.
    """
    for path in files:
        if path == STDIN:
            data = stdin.read(MAX_BYTES + 1)
            source = Source(data, "<stdin>", None, os.getcwd())
        else:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
            except OSError as exc:
                errors.append(f"cannot read {path}: {exc.strerror or exc}")
                continue
            source = Source(data, path, path, _parent_dir(path))
        if len(data) > MAX_BYTES:
            errors.append(f"cannot lint {source.display}: larger than {MAX_BYTES // (1 << 20)} MiB")
            continue
        yield source


def _ignore_comment(dockerfile: Dockerfile) -> bool:
    """True when a comment of the file could be an ignore directive (it says ``ignore``)."""
    return any("ignore" in comment.text.lower() for comment in dockerfile.comments)


def _parent_dir(path: str) -> str:
    """``str(Path(path).parent)``, without importing pathlib (``imagekit lint`` starts faster)."""
    if os.sep != "/" or os.altsep:
        from pathlib import Path

        return str(Path(path).parent)
    names = path.lstrip("/")
    slashes = len(path) - len(names)
    root = "" if not slashes else "//" if slashes == 2 else "/"
    kept = [name for name in names.split("/") if name and name != "."]
    return root + "/".join(kept[:-1]) or "."
