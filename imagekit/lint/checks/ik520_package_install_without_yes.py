"""IK520 package-install-without-yes: a package manager asks for confirmation in a RUN.

Every stage is judged. A build has no terminal: a confirmation prompt reads end of input
and the package manager aborts. Judged commands and the switches that answer the prompt:

- ``apt-get``/``apt`` ``install``, ``reinstall``, ``upgrade``, ``dist-upgrade``,
  ``full-upgrade``, ``remove``, ``purge``, ``autoremove``: ``-y``, ``--yes``,
  ``--assume-yes``, quiet level 2 (``-qq``, ``-q -q``, ``-q=2``, ``--quiet=2``, which apt-get
  documents as implying ``-y``) or ``-o APT::Get::Assume-Yes=true``;
- ``yum``/``dnf``/``microdnf`` ``install``, ``update``, ``upgrade``, ``remove`` ...: ``-y``,
  ``--assumeyes`` or ``--setopt=assumeyes=1``;
- ``zypper`` ``install``, ``update``, ``remove``, ``dist-upgrade`` ...: the global ``-n``
  or ``--non-interactive`` before the command, or ``-y``/``--no-confirm`` after it.

``DEBIAN_FRONTEND=noninteractive`` does not answer apt-get's prompt and is not accepted.
A stage whose earlier RUNs write the assume-yes setting into the package manager's
configuration (``APT::Get::Assume-Yes``, ``assumeyes=``) is not judged for that manager.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import apt_action, has_option, option_values, subcommand

RULE = "IK520"

_APT_ACTIONS = frozenset(
    {
        "install",
        "reinstall",
        "upgrade",
        "dist-upgrade",
        "full-upgrade",
        "remove",
        "purge",
        "autoremove",
    }
)
_RPM_MANAGERS = frozenset({"yum", "dnf", "microdnf"})
_RPM_ACTIONS = frozenset(
    {
        "install",
        "localinstall",
        "groupinstall",
        "reinstall",
        "update",
        "upgrade",
        "update-minimal",
        "upgrade-minimal",
        "distro-sync",
        "distribution-synchronization",
        "downgrade",
        "remove",
        "erase",
        "autoremove",
        "in",
        "up",
        "rm",
    }
)
_RPM_VALUE_OPTIONS = (
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "--installroot",
    "--releasever",
    "-x",
    "--exclude",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--setopt",
)
_ZYPPER_ACTIONS = frozenset(
    {
        "install",
        "in",
        "remove",
        "rm",
        "update",
        "up",
        "dist-upgrade",
        "dup",
        "patch",
        "source-install",
        "si",
        "install-new-recommends",
        "inr",
    }
)
_ZYPPER_VALUE_OPTIONS = (
    "-R",
    "--root",
    "-c",
    "--config",
    "-D",
    "--reposd-dir",
    "-C",
    "--cache-dir",
    "--raw-cache-dir",
    "--solv-cache-dir",
    "--pkg-cache-dir",
    "--userdata",
)
_TRUE = frozenset({"1", "true", "yes", "on"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        configured: set[str] = set()
        for lineage_stage in ctx.lineage(stage)[:-1]:
            for instruction in ctx.runs(lineage_stage):
                configured |= _configures(instruction.args)
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                problem = _problem(command, configured)
                if problem is not None:
                    yield ctx.on(RULE, command, problem)
            configured |= _configures(instruction.args)


def _configures(text: str) -> set[str]:
    """Package managers whose assume-yes setting this RUN text writes to a config file."""
    lowered = text.lower()
    found: set[str] = set()
    if "apt::get::assume-yes" in lowered:
        found.add("apt")
    if "assumeyes=" in lowered.replace(" ", ""):
        found.add("rpm")
    return found


def _problem(command: Command, configured: set[str]) -> str | None:
    name = command.name
    action: str | None
    if name in ("apt-get", "apt"):
        action = apt_action(command)
        if action not in _APT_ACTIONS or "apt" in configured or _apt_assumes_yes(command):
            return None
    elif name in _RPM_MANAGERS:
        action = subcommand(command, _RPM_VALUE_OPTIONS)
        if action not in _RPM_ACTIONS or "rpm" in configured or _rpm_assumes_yes(command):
            return None
    elif name == "zypper":
        action = subcommand(command, _ZYPPER_VALUE_OPTIONS)
        if action not in _ZYPPER_ACTIONS or _zypper_non_interactive(command, action):
            return None
        return (
            f"`zypper {action}` without `--non-interactive` stops at a confirmation prompt that "
            f"a build cannot answer, and the step aborts: write `zypper --non-interactive {action}` "
            f"(or add `-y` after `{action}`)"
        )
    else:
        return None
    return (
        f"`{name} {action}` without `-y` stops at a confirmation prompt that a build cannot "
        "answer, and the step aborts: add `-y`"
    )


def _apt_assumes_yes(command: Command) -> bool:
    if has_option(command, "-y", "--yes", "--assume-yes"):
        return True
    quiet = 0
    for arg in command.argv:
        if arg == "--":
            break
        if arg.startswith(("-q=", "--quiet=")):
            level = arg.partition("=")[2]
            quiet = max(quiet, int(level) if level.isdigit() else 0)
        elif arg == "--quiet":
            quiet += 1
        elif arg.startswith("-") and not arg.startswith("--") and "=" not in arg:
            quiet += arg[1:].count("q")
    if quiet >= 2:
        return True
    for option in option_values(command, "-o") + option_values(command, "--option"):
        key, _, value = option.partition("=")
        if key.strip().lower() == "apt::get::assume-yes" and value.strip().lower() in _TRUE:
            return True
    return False


def _rpm_assumes_yes(command: Command) -> bool:
    if has_option(command, "-y", "--assumeyes"):
        return True
    for option in option_values(command, "--setopt"):
        key, _, value = option.partition("=")
        if key.strip().lower() == "assumeyes" and value.strip().lower() in _TRUE:
            return True
    return False


def _zypper_non_interactive(command: Command, action: str) -> bool:
    argv = command.argv
    position = argv.index(action)
    before, after = argv[:position], argv[position + 1 :]
    if "--non-interactive" in argv or any(
        a.startswith("-") and not a.startswith("--") and "n" in a[1:] for a in before
    ):
        return True
    return any(
        a in ("-y", "--no-confirm") or (a.startswith("-") and not a.startswith("--") and "y" in a)
        for a in after
    )
