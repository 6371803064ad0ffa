"""Command lines in documentation and examples: the ``imagekit`` commands of a shell
script, and checking one against the real command line with click's own parser."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import click

from imagekit.cli import build_cli

OPERATORS = frozenset({"|", "||", "&&", ";", "&"})
REDIRECTS = frozenset({">", ">>", "<", "2>", "2>>"})


def commands(script: str) -> Iterator[list[str]]:
    """The ``imagekit`` commands of a script: words up to the next operator, redirections
    and their targets dropped."""
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        skip = False
        for token in [*lexer, ";"]:
            if skip:
                skip = False
            elif token in REDIRECTS:
                skip = True
            elif token in OPERATORS:
                if words[:1] == ["imagekit"]:
                    yield words
                words = []
            else:
                words.append(token)


def check(words: list[str]) -> None:
    """Parse ``words`` (``imagekit ...``) as the real CLI would: the commands must exist,
    the options must be the command's, required ones present, choices valid, no stray
    arguments."""
    cli = build_cli()
    command: click.Command = cli
    ctx = click.Context(cli, info_name="imagekit")
    args = words[1:]
    while isinstance(command, click.Group):
        assert args and not args[0].startswith("-"), f"{words}: no subcommand"
        name = args.pop(0)
        sub = command.get_command(ctx, name)
        assert sub is not None, f"{words}: `{ctx.command_path} {name}` does not exist"
        command = sub
        ctx = click.Context(command, info_name=name, parent=ctx)
    values, extra, _ = command.make_parser(ctx).parse_args(list(args))
    assert not extra, f"{words}: unexpected arguments {extra}"
    for param in command.params:
        value = values.get(param.name or "")
        if param.required:
            assert value not in (None, ()), f"{words}: {param.human_readable_name} missing"
        if isinstance(param.type, click.Choice) and value is not None:
            for one in value if isinstance(value, tuple) else (value,):
                assert one in param.type.choices, f"{words}: {one!r} is not a {param.name}"
