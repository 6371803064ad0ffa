"""IK524 default-shell-replaced: a RUN replaces ``/bin/sh`` with a link (``ln -sf bash /bin/sh``).

Every stage is judged. An ``ln`` (symbolic or hard) whose link name is ``/bin/sh`` or
``/usr/bin/sh`` is reported; links that only point at ``/bin/sh`` from elsewhere
(``ln -s /bin/sh /usr/local/bin/sh``) are not (hadolint reports any ``ln`` naming
``/bin/sh``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import option_values, positionals

RULE = "IK524"
_SHELL_PATHS = frozenset({"/bin/sh", "/usr/bin/sh"})
_VALUE_OPTIONS = ("-S", "--suffix", "-t", "--target-directory")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name == "ln" and _replaces_sh(command):
                    yield ctx.on(
                        RULE,
                        command,
                        "this `ln` replaces `/bin/sh` for every later RUN and for the "
                        "running container's scripts: set the shell of RUN with a "
                        '`SHELL ["/bin/bash", "-c"]` instruction instead',
                    )


def _replaces_sh(command: Command) -> bool:
    args = positionals(command, _VALUE_OPTIONS)
    directory = option_values(command, "-t") + option_values(command, "--target-directory")
    if directory:
        return any(
            posixpath.normpath(posixpath.join(d, posixpath.basename(a))) in _SHELL_PATHS
            for d in directory
            for a in args
        )
    if len(args) < 2:
        return False
    return posixpath.normpath(args[-1]) in _SHELL_PATHS
