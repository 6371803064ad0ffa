"""The ``imagekit`` command line.

The only module that imports click, and the one place where exceptions become exit codes:

====  =====================================================================
0     success
1     policy failure: findings at or above the failure threshold
2     usage error, unreadable input, invalid configuration, unparsable Dockerfile
3     registry error
4     build error
70    internal error (a bug); IMAGEKIT_DEBUG=1 shows the traceback
130   interrupted
====  =====================================================================

click itself is imported only when a command needs it: ``imagekit lint`` runs from
pre-commit once per file, so its common invocations are parsed from the option table
below without loading click (or table, YAML, docker or AWS libraries). Anything the
small parser does not understand (``--help``, a bad value) goes to click, which
reports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from imagekit.config import Config, from_env
from imagekit.errors import (
    ConfigError,
    ImagekitError,
    InputError,
    InternalError,
    PolicyFailure,
    UsageError,
)
from imagekit.lint.formats import FORMATS

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from imagekit.catalog import Severity
    from imagekit.lint.context import LintOptions
    from imagekit.lint.policy import Flags
    from imagekit.report.gate import Limits

_SEVERITY_NAMES = ("error", "warning", "info", "style")
_INTERRUPTED = 130


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
        choices=(*_SEVERITY_NAMES, "none"),
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


def _report(exc: BaseException, config: Config) -> int:
    """Write one line about ``exc`` to stderr and return its exit code."""
    click = sys.modules.get("click")
    if isinstance(exc, ImagekitError):
        _err(exc.format())
        return exc.exit_code
    if click is not None and isinstance(exc, click.ClickException):
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if isinstance(ctx, click.Context) else "imagekit"
        _err(UsageError(message, hint=f"see `{command} --help`").format())
        return UsageError.exit_code
    if isinstance(exc, KeyboardInterrupt) or (click is not None and isinstance(exc, click.Abort)):
        _err("imagekit: interrupted")
        return _INTERRUPTED
    if config.debug:
        raise exc
    detail = " ".join(str(exc).split())
    _err(f"imagekit: internal error: {type(exc).__name__}: {detail}")
    return InternalError.exit_code


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class _FindingLike(Protocol):
    @property
    def rule(self) -> str: ...

    @property
    def severity(self) -> Severity: ...


def lint_exit_code(findings: Sequence[_FindingLike], errors: Sequence[str], failing: int) -> int:
    """2 for unreadable inputs or unparsable files, 1 when ``failing`` findings crossed
    their file's failure threshold."""
    if errors or any(f.rule == "IK001" for f in findings):
        return InputError.exit_code
    return PolicyFailure.exit_code if failing else 0


def run_lint(
    paths: Sequence[str],
    *,
    fmt: str,
    target: str | None,
    context: Path | None,
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
        _err(line if line.startswith("imagekit:") else InputError(line).format())
    return lint_exit_code(result.findings, result.errors, result.failing)


def _run_fix(
    paths: Sequence[str],
    options: LintOptions,
    flags: Flags,
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
        _err(
            f"imagekit: {verb} {run.applied} finding{'s' * (run.applied != 1)} in "
            f"{changed} file{'s' * (changed != 1)}"
        )
    for line in errors:
        _err(line if line.startswith("imagekit:") else InputError(line).format())
    code = lint_exit_code(findings, errors, run.failing)
    if diff and changed and code == 0:
        return PolicyFailure.exit_code
    return code


def _inspect_limits(
    flags: dict[str, str | None], config_path: str | None, isolated: bool
) -> Limits:
    """The gate's limits: the flags over the ``inspect`` section of the configuration file
    (``--config FILE``, else the one found from the current directory upward)."""
    from imagekit.config import files, schema
    from imagekit.report.gate import Limit, Limits

    settings = schema.InspectSettings()
    path = config_path if config_path is not None else None if isolated else files.find(".")
    if path is not None:
        if not os.path.isfile(path):
            raise ConfigError(f"configuration file {path} not found")
        project, problems = schema.validate(files.read(path))
        if problems:
            more = len(problems) - 1
            extra = f" ({more} more; `imagekit validate-config {path}` lists all)" if more else ""
            raise ConfigError(f"{problems[0]}{extra}")
        settings = project.inspect
    lines = dict(settings.lines)
    parsers: dict[str, Callable[[str], float]] = {
        "max-size": schema.parse_size,
        "max-wasted-bytes": schema.parse_size,
        "max-wasted-percent": lambda v: schema.parse_fraction(v, 0, 100, percent=True),
        "min-efficiency": lambda v: schema.parse_fraction(v, 0, 1),
    }
    limits: dict[str, Limit | None] = {}
    for key, parse in parsers.items():
        flag = flags.get(key)
        field = key.replace("-", "_")
        if flag is not None:
            try:
                limits[field] = Limit(parse(flag), f"--{key}")
            except ValueError as exc:
                raise UsageError(f"--{key}: {exc}") from None
        else:
            value = getattr(settings, field)
            where = f"{path}:{lines.get(key, 1)}"
            limits[field] = None if value is None else Limit(value, where)
    return Limits(**limits)


def run_inspect(
    source: str,
    *,
    fmt: str,
    files: bool,
    base: str | None,
    compute_compressed: bool,
    platform: str | None,
    insecure_registry: bool,
    limits: dict[str, str | None],
    config_path: str | None,
    isolated: bool,
) -> int:
    """``imagekit inspect``: the report on stdout, crossed limits on stderr; the exit code."""
    from imagekit.analyze import analyze
    from imagekit.report.gate import check
    from imagekit.report.inspect import render_inspect
    from imagekit.report.sources import open_source, parse_platform, resolve_base

    gate = _inspect_limits(limits, config_path, isolated)
    wanted = parse_platform(platform)
    image = open_source(source, platform=wanted, insecure=insecure_registry)
    try:
        count = resolve_base(image, base, platform=wanted, insecure=insecure_registry)
        analysis = analyze(image, base=count, files=files, compute_compressed=compute_compressed)
    finally:
        image.close()
    crossings = check(analysis, gate)
    sys.stdout.write(render_inspect(analysis, fmt, crossings if gate.any else None))
    sys.stdout.flush()
    for crossing in crossings:
        _err(PolicyFailure(crossing.message).format())
    return PolicyFailure.exit_code if crossings else 0


def run_diff(
    old: str,
    new: str,
    *,
    fmt: str,
    compute_compressed: bool,
    platform: str | None,
    insecure_registry: bool,
) -> int:
    """``imagekit diff``: what changed from OLD to NEW, on stdout."""
    from imagekit.analyze import analyze, diff
    from imagekit.report.diff import render_diff
    from imagekit.report.sources import open_source, parse_platform

    wanted = parse_platform(platform)
    analyses = []
    for source in (old, new):
        image = open_source(source, platform=wanted, insecure=insecure_registry)
        try:
            analyses.append(
                analyze(image, compute_compressed=compute_compressed, duplicate_min_size=None)
            )
        finally:
            image.close()
    sys.stdout.write(render_diff(diff(analyses[0], analyses[1]), fmt))
    sys.stdout.flush()
    return 0


def _fast_lint_args(args: Sequence[str]) -> dict[str, Any] | None:
    """Parse ``imagekit lint`` arguments from LINT_OPTIONS; None when click should handle them."""
    by_name = {o.name: o for o in LINT_OPTIONS}
    values: dict[str, Any] = {
        o.dest: (False if o.flag else () if o.multiple else o.default) for o in LINT_OPTIONS
    }
    paths: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            paths.extend(args[i:])
            break
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=")
        option = by_name.get(name)
        if option is None:
            return None
        if option.flag:
            if eq:
                return None
            values[option.dest] = True
            continue
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
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


def build_cli() -> click.Group:
    """The click application (imports click)."""
    from pathlib import Path

    import click

    class _Group(click.Group):
        """Maps errors raised by a command to an exit code, also under ``CliRunner``."""

        def invoke(self, ctx: click.Context) -> Any:
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
                raise
            except Exception as exc:
                config = ctx.obj if isinstance(ctx.obj, Config) else from_env(os.environ)
                ctx.exit(_report(exc, config))

    @click.group(
        name="imagekit",
        cls=_Group,
        invoke_without_command=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.version_option(
        package_name="imagekit", prog_name="imagekit", message="%(prog)s %(version)s"
    )
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """Make Docker images small."""
        ctx.obj = from_env(os.environ)
        if ctx.invoked_subcommand is None:
            click.echo(ctx.get_help(), err=True)
            ctx.exit(UsageError.exit_code)

    @cli.command()
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "markdown"]),
        default="table",
        show_default=True,
        help="Output format.",
    )
    def rules(fmt: str) -> None:
        """List the rules.

        Shows each rule's id, name, severity, category, summary and hadolint equivalents.
        """
        import json

        from imagekit.catalog import load_catalog, markdown_table

        catalog = load_catalog()
        if fmt == "json":
            click.echo(json.dumps([rule.to_dict() for rule in catalog], indent=2))
        elif fmt == "markdown":
            click.echo(markdown_table(catalog), nl=False)
        else:
            from tabulate import tabulate

            rows = [
                (r.id, r.name, r.severity.value, r.category, r.summary, ", ".join(r.hadolint))
                for r in catalog
            ]
            headers = ("id", "name", "severity", "category", "summary", "hadolint")
            click.echo(tabulate(rows, headers=headers, tablefmt="simple"))

    text_or_json = click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Output format.",
    )

    @cli.command()
    @click.argument("rule")
    @text_or_json
    def explain(rule: str, fmt: str) -> None:
        """Explain RULE, given by id (IK201) or name (apt-lists-left)."""
        import json

        from imagekit.catalog import explain_text, load_catalog

        found = load_catalog().lookup(rule)
        if fmt == "json":
            click.echo(json.dumps(found.to_dict(), indent=2))
        else:
            click.echo(explain_text(found), nl=False)

    @cli.command("validate-config")
    @click.argument("paths", nargs=-1)
    @text_or_json
    def validate_config(paths: tuple[str, ...], fmt: str) -> None:
        """Check configuration files: unknown keys, bad values and unknown rules, with lines.

        PATHS are configuration files (.imagekit.yaml, pyproject.toml, .hadolint.yaml) or
        directories, whose applying configuration is looked for from there upward; the
        current directory by default. Exit status: 0 valid, 2 problems found.
        """
        import json

        from imagekit.lint.policy import check_configs

        checked, problems = check_configs(paths or (".",))
        if fmt == "json":
            report = {
                "files": checked,
                "problems": [p._asdict() for p in problems],
            }
            click.echo(json.dumps(report, indent=2))
        else:
            for problem in problems:
                click.echo(str(problem))
            for path in checked:
                if not any(p.path == path for p in problems):
                    click.echo(f"{path}: ok")
            if not checked:
                click.echo("no configuration file found", err=True)
        if problems:
            raise click.exceptions.Exit(ConfigError.exit_code)

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
    @click.pass_context
    def lint(ctx: click.Context, /, paths: tuple[str, ...], **options: Any) -> None:
        """Lint Dockerfiles. PATHS are files or directories; `-` reads standard input.

        Exit status: 0 clean, 1 findings at or above the failure threshold,
        2 a file could not be read or parsed (IK001), or the configuration is invalid.

        \b
        --fix applies the safe fixes and writes each changed file in place; the findings
        that remain are reported (on stderr when the fixed text of `-` is printed).
        --unsafe-fixes also applies fixes that may change what the image contains or does.
        --diff prints the fixes as a unified diff and changes nothing; it exits 1 when a
        file would change, else as without it, on the findings a fix would leave.
        """
        config = ctx.obj if isinstance(ctx.obj, Config) else from_env(os.environ)
        ctx.exit(run_lint(paths, config=config, **options))

    report_format = click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "markdown"]),
        default="table",
        show_default=True,
        help="Output format.",
    )
    source_options = (
        click.option(
            "--platform",
            metavar="OS/ARCH[/VARIANT]",
            help="Pick this platform from a multi-platform image.",
        ),
        click.option(
            "--insecure-registry",
            is_flag=True,
            help="Reach docker:// registries over plain HTTP (loopback addresses always are).",
        ),
        click.option(
            "--compute-compressed",
            is_flag=True,
            help="Measure compressed sizes by gzipping each layer, where the source has none "
            "(docker-daemon, docker-archive).",
        ),
    )

    def with_source_options(function: Any) -> Any:
        for decorator in reversed(source_options):
            function = decorator(function)
        return function

    @cli.command()
    @click.argument("source")
    @report_format
    @click.option(
        "--files", is_flag=True, help="List the files each layer adds, changes and removes."
    )
    @click.option(
        "--base",
        metavar="N|IMAGE",
        help="Leave the base image out of waste and findings: its first N layers, or the "
        "layers IMAGE (a source like SOURCE) shares with it.",
    )
    @with_source_options
    @click.option(
        "--max-size",
        metavar="SIZE",
        help="Fail when the image is larger (compressed where known, else uncompressed).",
    )
    @click.option("--max-wasted-bytes", metavar="SIZE", help="Fail when more bytes are wasted.")
    @click.option(
        "--max-wasted-percent",
        metavar="P",
        help="Fail when more than P% of all content bytes written are wasted.",
    )
    @click.option("--min-efficiency", metavar="E", help="Fail when efficiency (0..1) is lower.")
    @click.option(
        "--config",
        "config_path",
        metavar="FILE",
        help="Read the limits from this file instead of looking for .imagekit.yaml.",
    )
    @click.option("--isolated", is_flag=True, help="Ignore configuration files.")
    def inspect(
        source: str,
        max_size: str | None,
        max_wasted_bytes: str | None,
        max_wasted_percent: str | None,
        min_efficiency: str | None,
        **options: Any,
    ) -> None:
        """Show where every byte of the image SOURCE comes from.

        \b
        SOURCE: docker-daemon:NAME[:TAG] (or a bare NAME[:TAG]), docker-archive:PATH,
        oci:DIR[:TAG] or docker://HOST/REPO[:TAG|@DIGEST].

        Sizes (--max-size, --max-wasted-bytes) are bytes, or a number with kB, MB, GB
        (1000) or KiB, MiB, GiB (1024). Limits are also read from the `inspect:` section
        of .imagekit.yaml; flags win. Exit status: 0 within the limits, 1 a limit crossed
        (the report is still printed; one line per crossed limit on stderr), 2 bad input.
        """
        limits = {
            "max-size": max_size,
            "max-wasted-bytes": max_wasted_bytes,
            "max-wasted-percent": max_wasted_percent,
            "min-efficiency": min_efficiency,
        }
        raise click.exceptions.Exit(run_inspect(source, limits=limits, **options))

    @cli.command()
    @click.argument("old")
    @click.argument("new")
    @report_format
    @with_source_options
    def diff(old: str, new: str, **options: Any) -> None:
        """Compare the images OLD and NEW: size change, layers shared, added and removed
        (matched by diff ID), and the files added, removed, grown and shrunk the most."""
        raise click.exceptions.Exit(run_diff(old, new, **options))

    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":
        return build_cli()
    raise AttributeError(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``imagekit`` script: run the CLI and return the exit code."""
    config = from_env(os.environ)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["lint"]:
            fast = _fast_lint_args(args[1:])
            if fast is not None:
                return run_lint(fast.pop("paths"), config=config, **fast)
        import click

        try:
            result = build_cli().main(args=args, prog_name="imagekit", standalone_mode=False)
        except click.exceptions.Exit as exc:
            return exc.exit_code
        return result if isinstance(result, int) else 0
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return _report(exc, config)


if __name__ == "__main__":
    sys.exit(main())
