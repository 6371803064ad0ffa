"""The lint engine: parse, run every check over the model, turn violations into findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from imagekit.catalog import Catalog, Severity, load_catalog, load_data
from imagekit.dockerfile import Dockerfile, parse_bytes, target_stage
from imagekit.dockerfile.shell import ShellParser
from imagekit.lint.context import Context, LintOptions
from imagekit.lint.discover import STDIN, discover
from imagekit.lint.findings import Finding, Violation

__all__ = ["LintOptions", "LintResult", "Linter", "lint_paths"]

SYNTAX_RULE = "IK001"
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per input that could not be read; the other inputs are still linted."""
    files: int = 0

    @property
    def syntax_errors(self) -> bool:
        return any(f.rule == SYNTAX_RULE for f in self.findings)

    def worst(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)


class Linter:
    """Lints Dockerfile bytes. Holds the shell parser and catalogue for reuse across files."""

    def __init__(self, options: LintOptions, catalog: Catalog | None = None) -> None:
        from imagekit.lint.checks import CHECKS

        self.options = options
        self.catalog = catalog if catalog is not None else load_catalog()
        self._checks = CHECKS
        self._shell: ShellParser | None = None

    @property
    def shell(self) -> ShellParser:
        if self._shell is None:
            self._shell = ShellParser()
        return self._shell

    def lint_bytes(self, data: bytes, path: str, directory: Path | None) -> list[Finding]:
        dockerfile = parse_bytes(data, path)
        return self.lint_model(dockerfile, directory)

    def lint_text(
        self, text: str, path: str = "Dockerfile", directory: Path | None = None
    ) -> list[Finding]:
        return self.lint_bytes(text.encode("utf-8"), path, directory)

    def lint_model(self, dockerfile: Dockerfile, directory: Path | None) -> list[Finding]:
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
                context = Context(dockerfile, self.shell, self.options, directory, load_data)
                for check in self._checks:
                    violations.extend(check(context))
        return [self._finding(dockerfile, v) for v in violations]

    def _finding(self, dockerfile: Dockerfile, violation: Violation) -> Finding:
        rule = self.catalog.get(violation.rule)
        span = dockerfile.span(violation.start, violation.end)
        return Finding(
            path=dockerfile.path,
            rule=rule.id,
            name=rule.name,
            severity=rule.severity,
            message=violation.message,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            fixable=violation.fixable,
        )


def lint_paths(paths: Sequence[str], options: LintOptions, stdin: BinaryIO) -> LintResult:
    """Lint files, directories (searched for Dockerfiles) and ``-`` (standard input)."""
    result = LintResult()
    linter = Linter(options)
    files, errors = discover(paths)
    result.errors.extend(errors)
    for path in files:
        if path == STDIN:
            data = stdin.read(MAX_BYTES + 1)
            display = "<stdin>"
            directory = options.context if options.context is not None else Path.cwd()
        else:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
            except OSError as exc:
                result.errors.append(f"cannot read {path}: {exc.strerror or exc}")
                continue
            display = path
            directory = options.context if options.context is not None else Path(path).parent
        if len(data) > MAX_BYTES:
            result.errors.append(f"cannot lint {display}: larger than {MAX_BYTES // (1 << 20)} MiB")
            continue
        result.files += 1
        result.findings.extend(linter.lint_bytes(data, display, directory))
    result.findings.sort(key=lambda f: f.sort_key)
    return result
