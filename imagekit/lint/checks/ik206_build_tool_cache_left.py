"""IK206 build-tool-cache-left: Gradle or Maven runs in a shipped stage and leaves its caches.

Gradle keeps dependencies, plugins, wrapper distributions and daemon files in
``~/.gradle`` (``GRADLE_USER_HOME``, ``-g``/``--gradle-user-home``, ``-Dgradle.user.home``
move it); Maven keeps its local repository in ``~/.m2/repository``
(``-Dmaven.repo.local``, also through MAVEN_OPTS or MAVEN_ARGS) and the Maven wrapper its
distributions in ``~/.m2/wrapper`` (``MAVEN_USER_HOME``). Any task counts, since even
``./gradlew --version`` downloads a distribution; only ``mvn``/``gradle`` asked for just
their version or help are left alone. A run is fine when every directory the tool fills is
removed later in the same RUN or covered by a cache or tmpfs mount.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from imagekit.dockerfile.shell import SHELLS, Command
from imagekit.lint.context import Context, normalize_path
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import Removals, shipped_runs

RULE = "IK206"
_GRADLE = frozenset({"gradle", "gradlew"})
_MAVEN = frozenset({"mvn", "mvnw"})
_INFO_ONLY = frozenset({"-v", "--version", "-version", "-h", "--help", "-?"})


def check(ctx: Context) -> Iterator[Violation]:
    for run, commands, env, home in shipped_runs(ctx):
        removals: Removals | None = None
        for command in commands:
            found = _tool(command)
            if found is None:
                continue
            tool, argv = found
            if tool in ("gradle", "mvn") and argv and all(a in _INFO_ONLY for a in argv):
                continue
            merged = {**env, **dict(command.env)}
            if tool in _GRADLE:
                dirs = [_gradle_home(argv, merged, home)]
            else:
                dirs = _maven_dirs(tool, argv, merged, home)
            if removals is None:
                removals = Removals(commands, home)
            left = [
                d
                for d in dirs
                if not ctx.cache_mounted(run, d, home) and not removals.after(command.order, d)
            ]
            if left:
                yield ctx.on(RULE, command, _message(tool, left[0], home))


def _tool(command: Command) -> tuple[str, Sequence[str]] | None:
    """The build tool and its arguments; ``sh ./gradlew build`` counts too."""
    if command.name in _GRADLE or command.name in _MAVEN:
        return command.name, command.argv
    if command.name in SHELLS and command.argv:
        script = posixpath.basename(command.argv[0])
        if script in ("gradlew", "mvnw"):
            return script, command.argv[1:]
    return None


def _value(argv: Sequence[str], *names: str) -> str | None:
    """Last value of ``NAME VALUE``, ``NAME=VALUE`` or ``-Dprop=VALUE`` options."""
    found: str | None = None
    for i, arg in enumerate(argv):
        for name in names:
            if name.startswith("-D"):
                if arg.startswith(name + "="):
                    found = arg[len(name) + 1 :]
                elif arg == "-D" and i + 1 < len(argv) and argv[i + 1].startswith(name[2:] + "="):
                    found = argv[i + 1][len(name) - 1 :]
            elif arg == name and i + 1 < len(argv):
                found = argv[i + 1]
            elif arg.startswith(name + "=") and name.startswith("--"):
                found = arg[len(name) + 1 :]
    return found


def _gradle_home(argv: Sequence[str], env: dict[str, str], home: str) -> str:
    value = _value(argv, "-g", "--gradle-user-home", "-Dgradle.user.home")
    if value is None:
        value = env.get("GRADLE_USER_HOME") or None
    return normalize_path(value, home) if value else posixpath.join(home, ".gradle")


def _maven_dirs(tool: str, argv: Sequence[str], env: dict[str, str], home: str) -> list[str]:
    options = [*env.get("MAVEN_OPTS", "").split(), *env.get("MAVEN_ARGS", "").split(), *argv]
    local = _value(options, "-Dmaven.repo.local")
    m2 = posixpath.join(home, ".m2")
    dirs = [normalize_path(local, home) if local else posixpath.join(m2, "repository")]
    if tool == "mvnw":
        user_home = env.get("MAVEN_USER_HOME")
        dirs.append(posixpath.join(normalize_path(user_home, home) if user_home else m2, "wrapper"))
    return dirs


def _message(tool: str, directory: str, home: str) -> str:
    shown = "~" + directory[len(home) :] if directory.startswith(home + "/") else directory
    return (
        f"`{tool}` leaves its downloads in {shown} in the shipped image; build in a separate "
        "stage and COPY --from it only the artefact (the jar), or use "
        f"`RUN --mount=type=cache,target={directory}`"
    )
