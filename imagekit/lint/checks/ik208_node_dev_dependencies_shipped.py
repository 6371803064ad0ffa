"""IK208 node-dev-dependencies-shipped: a shipped stage installs a project's devDependencies.

Judged: ``npm install``/``npm ci`` (and aliases) and ``yarn``/``yarn install`` that install
the project's dependencies. ``npm install PKG`` with package names and ``npm install -g``
add named packages instead; they are left alone (as is ``yarn add``).

Production only means: ``--omit=dev``, ``--only=prod[uction]``, ``--production`` (npm), or
``--production``/``--prod`` (yarn); NODE_ENV=production, ``npm_config_omit`` naming dev or
``npm_config_production``/``YARN_PRODUCTION`` true, in the stage lineage (ENV, ARG
default) or as a prefix of the command. An explicit ``--include=dev`` or
``--production=false`` keeps the dev dependencies whatever the environment says. A
NODE_ENV set from a variable (``ENV NODE_ENV=$MODE``) is taken as possibly production. A later
``npm prune --omit=dev``/``--production`` or production install in the same RUN removes
them before the layer is written.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.checks.ik205_npm_cache_left import (
    NPM_VALUE_OPTIONS,
    npm_install,
    yarn_install,
)
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import has_option, option_values, positionals, subcommand

RULE = "IK208"
_TRUE = frozenset({"", "true", "1", "yes"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            commands = ctx.commands(run)
            env = ctx.env_before(stage, run)
            last_prune: int | None = None  # order of the last command that prunes
            for command in commands:
                if npm_install(command):
                    if _adds_packages(command):
                        continue
                    tool = "npm"
                elif yarn_install(command):
                    tool = "yarn"
                else:
                    continue
                if _production(command, tool, {**env, **dict(command.env)}):
                    continue
                if last_prune is None:
                    last_prune = max((c.order for c in commands if _prunes(c, env)), default=-1)
                if last_prune > command.order:
                    continue
                yield ctx.on(RULE, command, _message(command, tool))


def _adds_packages(command: Command) -> bool:
    words = positionals(command, NPM_VALUE_OPTIONS)
    return len(words) > 1 or has_option(command, "-g", "--global")


def _flag(command: Command, name: str) -> str | None:
    """Value of a boolean option: ``""`` for a bare ``--name``, None when absent."""
    found: str | None = None
    for arg in command.argv:
        if arg == name:
            found = ""
        elif arg.startswith(name + "="):
            found = arg[len(name) + 1 :].lower()
    return found


def _values(command: Command, name: str) -> list[str]:
    return [v.lower() for value in option_values(command, name) for v in value.split(",")]


def _production(command: Command, tool: str, env: dict[str, str]) -> bool:
    lowered = {k.lower(): v.lower() for k, v in env.items()}
    if tool == "npm":
        production = _flag(command, "--production")
        if "dev" in _values(command, "--include") or production not in (None, *_TRUE):
            return False
        if production is not None or "dev" in _values(command, "--omit"):
            return True
        if any(v in ("prod", "production") for v in _values(command, "--only")):
            return True
        if "dev" in lowered.get("npm_config_omit", "").replace(",", " ").split():
            return True
        if lowered.get("npm_config_production") in ("true", "1"):
            return True
    else:
        production = _flag(command, "--production")
        if production is None:
            production = _flag(command, "--prod")
        if production is not None:
            return production in _TRUE
        if lowered.get("yarn_production") in ("true", "1"):
            return True
    node_env = env.get("NODE_ENV", "").strip()
    return node_env == "production" or "$" in node_env  # a variable: may well be production


def _prunes(command: Command, env: dict[str, str]) -> bool:
    """A later command that leaves only production dependencies in node_modules."""
    if command.name == "npm" and subcommand(command, NPM_VALUE_OPTIONS) == "prune":
        return _production(command, "npm", {**env, **dict(command.env)})
    if npm_install(command) and not _adds_packages(command):
        return _production(command, "npm", {**env, **dict(command.env)})
    if yarn_install(command):
        return _production(command, "yarn", {**env, **dict(command.env)})
    return False


def _message(command: Command, tool: str) -> str:
    if tool == "npm":
        action = subcommand(command, NPM_VALUE_OPTIONS)
        return (
            f"`npm {action}` installs devDependencies into the shipped image; use "
            f"`npm {action} --omit=dev` or set `ENV NODE_ENV=production` before it"
        )
    return (
        "`yarn install` installs devDependencies into the shipped image; use "
        "`yarn install --production` or set `ENV NODE_ENV=production` before it"
    )
