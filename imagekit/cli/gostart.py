"""``imagekit build go``: the compile started before the command line library loads.

A release's build is mostly the Go compile, and everything before it (click, the command
tree) would be time of its own. :func:`start_early` reads from the raw arguments what the
compile needs (the module directory, the platforms, the package, the name, the build tags)
and starts it; click then parses the command line as always, and :meth:`EarlyGo.adopt`
hands the compiles to the command only when they are exactly the ones it asks for, else
stops them (the command starts its own). A command line this reading does not understand
(``--help``, an option it does not know, an abbreviation) starts nothing: click and the
command meet it as they always do, errors and all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from imagekit.cli.rawargs import split_args
from imagekit.config import Config

if TYPE_CHECKING:
    from imagekit.build.gocompile import Compile, GoBuild

#: Where the started compile waits for the command (a key of click's ``Context.meta``).
META_KEY = "imagekit.build-go.early"
#: The options of ``build go`` that take a value, and its flags (a test holds them to the
#: command's own options).
VALUE_OPTIONS = frozenset(
    {
        "--output",
        "-o",
        "--push",
        "--format",
        "--platform",
        "--base",
        "--package",
        "--name",
        "--ca-bundle",
        "--user",
        "--env",
        "--label",
        "--annotation",
        "--image-version",
        "--tags",
    }
)
FLAGS = frozenset({"--insecure-registry", "--no-ca-certificates", "--tzdata", "--no-git"})


class CompileInputs(NamedTuple):
    """What ``build go``'s arguments say about the compile."""

    path: str
    platforms: tuple[str, ...]
    package: str
    name: str
    tags: str


def compile_inputs(args: Sequence[str]) -> CompileInputs | None:
    """The compile inputs of ``build go`` arguments (those after ``go``), read as click
    reads them; None for anything else (help, unknown options, not one PATH)."""
    split = split_args(args, FLAGS, VALUE_OPTIONS)
    if split is None or len(split[0]) != 1:
        return None
    paths, pairs = split
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        if value is not None:
            values.setdefault(name, []).append(value)

    def last(option: str, default: str) -> str:
        return values.get(option, [default])[-1]

    return CompileInputs(
        paths[0],
        tuple(values.get("--platform", [])),
        last("--package", "."),
        last("--name", ""),
        last("--tags", ""),
    )


class EarlyGo:
    """Compiles started into a temporary directory of their own, until a command adopts
    them or :meth:`close` stops them and removes the directory."""

    def __init__(self, builds: Sequence[GoBuild], name: str, config: Config) -> None:
        from imagekit.build.gocompile import start_compiles

        self.builds = list(builds)
        self.name = name
        self._scratch = tempfile.TemporaryDirectory(prefix="imagekit-build-")
        self.scratch = Path(self._scratch.name)
        try:
            self._compiles = start_compiles(
                self.builds,
                self.scratch / "bin",
                name,
                cache_dir=Path(config.cache_dir),
                path=config.path,
            )
        except BaseException:
            self._scratch.cleanup()
            raise

    def adopt(self, builds: Sequence[GoBuild], name: str) -> list[Compile] | None:
        """The compiles, when they are ``builds`` into binaries named ``name``; else they
        are stopped and None is returned."""
        if list(builds) == self.builds and name == self.name:
            return self._compiles
        self.cancel()
        return None

    def cancel(self) -> None:
        for compile_ in self._compiles:
            compile_.cancel()

    def close(self) -> None:
        """Stop what still runs, remove the directory."""
        self.cancel()
        self._scratch.cleanup()


def compile_plan(
    path: str, platforms: Sequence[str], package: str, name: str, tags: str
) -> tuple[list[GoBuild], str]:
    """The compiles ``build go`` makes of its option values (``--platform`` values, the
    package, ``--name``, ``--tags``), one per platform, and the binary's name. UsageError
    for a platform that is not OS/ARCH[/VARIANT], InputError for a module without go.mod."""
    from imagekit.build.gocompile import GoBuild, binary_name, host_platform
    from imagekit.cli.build import platforms as parse_platforms

    chosen = parse_platforms(platforms) or (host_platform(),)
    module_dir = Path(path)
    build_tags = tuple(t for t in tags.split(",") if t)
    builds = [GoBuild(module_dir, platform, package, build_tags) for platform in chosen]
    return builds, name or binary_name(module_dir, package)


def start_early(args: Sequence[str], config: Config) -> EarlyGo | None:
    """The compile of ``build go`` arguments, started; None when the arguments are not
    understood here or the compile cannot start (the command then says why)."""
    inputs = compile_inputs(args)
    if inputs is None or not config.cache_dir:
        return None
    from imagekit.errors import ImagekitError

    try:
        builds, name = compile_plan(*inputs)
        return EarlyGo(builds, name, config)
    except (ImagekitError, OSError):
        return None
