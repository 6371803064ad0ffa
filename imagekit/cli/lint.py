"""``imagekit lint``: the option table, the fast path that skips click, and the command.

``imagekit lint`` runs from pre-commit once per file, so its common invocations are parsed
from :data:`LINT_OPTIONS` without loading click (or tables, YAML, docker or AWS
libraries). Anything the small parser does not understand (``--help``, a bad value) goes
to click, which reports it.
"""

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from imagekit.cli.common import err
from imagekit.cli.rawargs import split_args
from imagekit.config import Config
from imagekit.errors import InputError, PolicyFailure
from imagekit.lint.formats import FORMATS

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from imagekit.catalog import Severity
    from imagekit.lint.context import LintOptions
    from imagekit.lint.policy import Flags

SEVERITY_NAMES = ("error", "warning", "info", "style")


class _Option(NamedTuple):
    name: str
    dest: str
    help: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    flag: bool = False
    metavar: str | None = None
    directory: bool = False
    multiple: bool = False


#: The options of ``imagekit lint``: one table for click and for the fast parser.
LINT_OPTIONS = (
    _Option("--format", "fmt", "Output format.", choices=FORMATS, default="tty"),
    _Option("--target", "target", "Lint as if building this stage.", metavar="NAME"),
    _Option(
        "--context",
        "context",
        "Build context directory (where .dockerignore is looked for).",
        directory=True,
        metavar="DIR",
    ),
    _Option(
        "--failure-threshold",
        "failure_threshold",
        "Exit 1 when a finding has this severity or a higher one "
        "[default: the configuration's, else warning].",
        choices=(*SEVERITY_NAMES, "none"),
    ),
    _Option(
        "--no-fail",
        "no_fail",
        "Exit 0 whatever the findings (not for unreadable input).",
        flag=True,
    ),
    _Option(
        "--ignore",
        "ignore",
        "Ignore a rule (id, name or hadolint DL code); repeat or separate with commas.",
        metavar="RULE",
        multiple=True,
    ),
    _Option(
        "--enable",
        "enable",
        "Run a rule that is off by default; repeat or separate with commas.",
        metavar="RULE",
        multiple=True,
    ),
    _Option(
        "--config",
        "config_path",
        "Read settings from this file (.imagekit.yaml, pyproject.toml or .hadolint.yaml) "
        "instead of looking for one.",
        metavar="FILE",
    ),
    _Option("--isolated", "isolated", "Ignore configuration files.", flag=True),
    _Option(
        "--fix",
        "fix",
        "Apply safe fixes to the files in place (`-`: print the fixed text on stdout).",
        flag=True,
    ),
    _Option(
        "--diff",
        "diff",
        "Print the fixes as a unified diff instead of applying them; exit 1 if there are any.",
        flag=True,
    ),
    _Option(
        "--unsafe-fixes",
        "unsafe_fixes",
        "With --fix or --diff, also apply fixes that may change what the image does.",
        flag=True,
    ),
    _Option("--no-color", "no_color", "Never colour the output.", flag=True),
    _Option(
        "--shellcheck",
        "shellcheck",
        "Also check RUN scripts with ShellCheck (needs imagekit[shellcheck]).",
        flag=True,
    ),
)


class _FindingLike(Protocol):
    @property
    def rule(self) -> str: ...

    @property
    def severity(self) -> "Severity": ...


def lint_exit_code(findings: Sequence[_FindingLike], errors: Sequence[str], failing: int) -> int:
    """2 for unreadable inputs or unparsable files, 1 when ``failing`` findings crossed
    their file's failure threshold."""
    if errors or any(f.rule == "IK001" for f in findings):
        return InputError.exit_code
    return PolicyFailure.exit_code if failing else 0


def run_fast_lint(fast: dict[str, Any], config: Config, *, exiting: bool) -> int:
    """A plain ``imagekit lint`` (``fast`` from :func:`fast_lint_args`), with the cyclic
    garbage collector off: a lint run allocates a lot while it imports and leaves almost
    no cyclic garbage (500 files in one call use no more memory without it), so its
    collections are time spent for nothing. ``exiting``: the process ends after this
    call (:func:`imagekit.cli.main` then freezes what is left), so the collector stays
    off; otherwise it is switched back on."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return run_lint(fast.pop("paths"), config=config, **fast)
    finally:
        if enabled and not exiting:
            gc.enable()


def run_lint(
    paths: Sequence[str],
    *,
    fmt: str,
    target: str | None,
    context: "Path | None",
    failure_threshold: str | None,
    no_color: bool,
    config: Config,
    no_fail: bool = False,
    ignore: Sequence[str] = (),
    enable: Sequence[str] = (),
    config_path: str | None = None,
    isolated: bool = False,
    shellcheck: bool = False,
    fix: bool = False,
    diff: bool = False,
    unsafe_fixes: bool = False,
) -> int:
    """Lint, print findings on stdout and unreadable inputs on stderr, return the exit code."""
    from imagekit.lint.engine import Flags, LintOptions, lint_paths
    from imagekit.lint.output import render

    color = sys.stdout.isatty() and not config.no_color and not no_color
    options = LintOptions(target=target, context=context, shellcheck=shellcheck)
    flags = Flags(
        config=config_path,
        isolated=isolated,
        ignore=tuple(ignore),
        enable=tuple(enable),
        failure_threshold=failure_threshold,
        no_fail=no_fail,
    )
    if fix or diff:
        return _run_fix(
            paths,
            options,
            flags,
            fmt=fmt,
            no_color=no_color,
            config=config,
            diff=diff,
            unsafe=unsafe_fixes,
        )
    result = lint_paths(paths, options, sys.stdin.buffer, flags)
    output = render(result.findings, fmt, color, files=result.files)
    if output:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")
        sys.stdout.flush()
    for line in result.errors:
        err(line if line.startswith("imagekit:") else InputError(line).format())
    return lint_exit_code(result.findings, result.errors, result.failing)


def _run_fix(
    paths: Sequence[str],
    options: "LintOptions",
    flags: "Flags",
    *,
    fmt: str,
    no_color: bool,
    config: Config,
    diff: bool,
    unsafe: bool,
) -> int:
    """``lint --fix`` and ``lint --diff``: fix, write (or show) the result, report the rest.

    The findings that remain go to stdout, unless stdout carries the diff or the fixed
    text of standard input: then they go to stderr. ``--diff`` exits 1 when a file would
    change, else as ``lint`` does on the remaining findings.
    """
    from imagekit.lint.engine import Linters
    from imagekit.lint.fixer import fix_paths, unified_diff, write_atomic
    from imagekit.lint.output import render

    run = fix_paths(paths, Linters(options, flags).for_file, options, sys.stdin.buffer, unsafe)
    errors = list(run.errors)
    changed = 0
    for fixed in run.files:
        changed += fixed.changed
        if diff:
            sys.stdout.write(unified_diff(fixed))
        elif fixed.path == "<stdin>":
            sys.stdout.flush()
            sys.stdout.buffer.write(fixed.after)
            sys.stdout.buffer.flush()
        elif fixed.changed:
            try:
                write_atomic(fixed.path, fixed.after)
            except OSError as exc:
                errors.append(f"cannot write {fixed.path}: {exc.strerror or exc}")
    sys.stdout.flush()
    aside = diff or any(fixed.path == "<stdin>" for fixed in run.files)
    stream = sys.stderr if aside else sys.stdout
    color = stream.isatty() and not config.no_color and not no_color
    findings = run.findings
    output = render(findings, fmt, color, files=len(run.files))
    if output:
        stream.write(output if output.endswith("\n") else output + "\n")
        stream.flush()
    if run.applied:
        verb = "would fix" if diff else "fixed"
        err(
            f"imagekit: {verb} {run.applied} finding{'s' * (run.applied != 1)} in "
            f"{changed} file{'s' * (changed != 1)}"
        )
    for line in errors:
        err(line if line.startswith("imagekit:") else InputError(line).format())
    code = lint_exit_code(findings, errors, run.failing)
    if diff and changed and code == 0:
        return PolicyFailure.exit_code
    return code


def fast_lint_args(args: Sequence[str]) -> dict[str, Any] | None:
    """Parse ``imagekit lint`` arguments from LINT_OPTIONS; None when click should handle them."""
    by_name = {o.name: o for o in LINT_OPTIONS}
    values: dict[str, Any] = {
        o.dest: (False if o.flag else () if o.multiple else o.default) for o in LINT_OPTIONS
    }
    flags = [o.name for o in LINT_OPTIONS if o.flag]
    split = split_args(args, flags, [o.name for o in LINT_OPTIONS if not o.flag])
    if split is None:
        return None
    paths, pairs = split
    for name, value in pairs:
        option = by_name[name]
        if value is None:
            values[option.dest] = True
            continue
        if option.choices and value not in option.choices:
            return None
        if option.directory:
            if not os.path.isdir(value):
                return None
            from pathlib import Path

            values[option.dest] = Path(value)
        elif option.multiple:
            values[option.dest] = (*values[option.dest], value)
        else:
            values[option.dest] = value
    if not paths:
        return None
    values["paths"] = tuple(paths)
    return values


def register(cli: "click.Group") -> None:
    """Add ``lint`` to ``cli``."""
    from pathlib import Path

    import click

    from imagekit.cli.common import config_of

    def lint_options(function: Any) -> Any:
        for option in reversed(LINT_OPTIONS):
            if option.flag:
                decorator = click.option(option.name, option.dest, is_flag=True, help=option.help)
            else:
                kind: Any = None
                if option.choices:
                    kind = click.Choice(list(option.choices))
                elif option.directory:
                    kind = click.Path(exists=True, file_okay=False, path_type=Path)
                decorator = click.option(
                    option.name,
                    option.dest,
                    type=kind,
                    default=option.default,
                    show_default=option.default is not None,
                    metavar=option.metavar,
                    multiple=option.multiple,
                    help=option.help,
                )
            function = decorator(function)
        return function

    @cli.command()
    @click.argument("paths", nargs=-1, required=True)
    @lint_options
    @click.option(
        "--measure",
        is_flag=True,
        help="With --fix or --diff: build each file as it is, as fixed and once per fixed "
        "rule on the docker engine, and report the sizes saved (stdout).",
    )
    @click.pass_context
    def lint(ctx: click.Context, /, paths: tuple[str, ...], measure: bool, **options: Any) -> None:
        """Lint Dockerfiles. PATHS are files or directories; `-` reads standard input.

        Exit status: 0 clean, 1 findings at or above the failure threshold,
        2 a file could not be read or parsed (IK001), or the configuration is invalid.

        \b
        --fix applies the safe fixes and writes each changed file in place; the findings
        that remain are reported (on stderr when the fixed text of `-` is printed).
        --unsafe-fixes also applies fixes that may change what the image contains or does.
        --diff prints the fixes as a unified diff and changes nothing; it exits 1 when a
        file would change, else as without it, on the findings a fix would leave.
        --measure (with --fix or --diff) builds the file before and after the fixes, and
        once per rule fixed, and prints the bytes saved, compressed as a push sends them
        and uncompressed (--format json: one object per file); --diff --measure writes
        nothing. Exit status 4 when a build fails.
        """
        config = config_of(ctx)
        if measure:
            _measure(paths, config, options)
        ctx.exit(run_lint(paths, config=config, **options))

    def _measure(paths: tuple[str, ...], config: Config, options: dict[str, Any]) -> None:
        from imagekit.cli.measure import run_measure
        from imagekit.errors import UsageError

        if not (options["fix"] or options["diff"]):
            raise UsageError(
                "--measure goes with --fix or --diff", hint="imagekit lint --fix --measure FILE"
            )
        raise click.exceptions.Exit(run_measure(paths, config=config, **options))
