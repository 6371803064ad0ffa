"""IK525 pointless-command-in-container: a RUN runs a command that does nothing useful in a build.

Every stage is judged. The commands are interactive or about a running system: ``ssh``,
``vim``, ``shutdown``, ``service``, ``ps``, ``free``, ``top``, ``kill``, ``mount`` and
``ifconfig``. To keep legitimate uses quiet:

- ``vim`` run as a batch tool (``+cmd``, ``-c``, ``-s``, ``-e``, ``-E``, ``--cmd``, ``-es``,
  ``--version``) is not reported: ``vim +PlugInstall +qall`` installs plugins;
- ``service NAME start`` (or ``restart``) followed by more commands in the same RUN is not
  reported: the RUN uses the service (to load a database, say) before the step ends;
- ``kill`` after another command of the same RUN is not reported: it may stop a process
  that RUN started; as the first command there is nothing of this step to stop;
- ``ssh`` in a RUN with an ``--mount=type=ssh`` is not reported;
- ``command -v ps`` and other commands reached through ``command`` are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import positionals

RULE = "IK525"

_REASONS = {
    "ssh": "there is no one to answer its prompts and no remote work belongs in a layer",
    "vim": "an interactive editor has no terminal in a build",
    "shutdown": "there is no system to shut down in a build container",
    "service": "the service stops when the step ends and does not run in the image",
    "ps": "it lists the processes of this build step, which tells nothing about the image",
    "free": "it shows the memory of the build machine, not of the image",
    "top": "it shows the processes of this build step and needs a terminal",
    "kill": "no process of an earlier step survives into this one",
    "mount": "mounts do not persist into the image and need privileges a build lacks",
    "ifconfig": "it shows the network of the build step, not of the running container",
}
_VIM_BATCH = frozenset({"-c", "--cmd", "-s", "-S", "-e", "-E", "-es", "-Es", "--version", "-h"})
_STARTS = frozenset({"start", "restart"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            ssh_mounted = _ssh_mounted(instruction)
            commands = ctx.commands(instruction)
            first = min((c.order for c in commands), default=0)
            last = max((c.order for c in commands), default=0)
            for command in commands:
                reason = _REASONS.get(command.name)
                if reason is None or "command" in command.wrappers:
                    continue
                if _legitimate(command, first, last, ssh_mounted):
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    f"`{command.name}` in a RUN is pointless: {reason}; remove it",
                )


def _legitimate(command: Command, first: int, last: int, ssh_mounted: bool) -> bool:
    name = command.name
    if name == "vim":
        return any(a.startswith("+") or a in _VIM_BATCH for a in command.argv)
    if name == "service":
        args = positionals(command)
        return len(args) >= 2 and args[1] in _STARTS and command.order < last
    if name == "kill":
        return command.order > first
    if name == "ssh":
        return ssh_mounted
    return False


def _ssh_mounted(instruction: Instruction) -> bool:
    for value in instruction.flag_values("mount"):
        for part in value.split(","):
            key, _, val = part.partition("=")
            if key.strip().lower() == "type" and val.strip().lower() == "ssh":
                return True
    return False
