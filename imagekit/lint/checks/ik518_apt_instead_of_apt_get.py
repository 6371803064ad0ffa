"""IK518 apt-instead-of-apt-get: the interactive ``apt`` front end in a RUN.

Every stage is judged. The command must be ``apt`` itself (also ``/usr/bin/apt``, behind
``sudo`` or ``env``, in ``sh -c`` strings and heredoc scripts; hadolint looks at neither
of the last); ``apt`` as an argument (``apt-get install apt``) and ``apt-get``,
``apt-cache``, ``apt-mark`` are fine. The message names the scriptable command for the
action used.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import apt_action

RULE = "IK518"
_CACHE_ACTIONS = frozenset({"search", "show", "showsrc", "depends", "rdepends", "policy"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name != "apt":
                    continue
                action = apt_action(command)
                instead = "apt-cache" if action in _CACHE_ACTIONS else "apt-get"
                if action == "list":
                    instead = "dpkg-query or apt-cache"
                shown = f"`apt {action}`" if action else "`apt`"
                yield ctx.on(
                    RULE,
                    command,
                    f"{shown} in a RUN: apt is the interactive front end, its output and "
                    f"options may change between releases and it warns in scripts; "
                    f"use {instead}",
                )
