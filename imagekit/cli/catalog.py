"""``imagekit rules``, ``explain`` and ``validate-config``: the rule catalogue and the
configuration that selects from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagekit.cli.common import format_option
from imagekit.errors import ConfigError

if TYPE_CHECKING:
    import click


def register(cli: click.Group) -> None:
    """Add ``rules``, ``explain`` and ``validate-config`` to ``cli``."""
    import click

    @cli.command()
    @format_option(("table", "json", "markdown"), "table")
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

    text_or_json = format_option(("text", "json"), "text")

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
