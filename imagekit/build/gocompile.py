"""Compiling a Go main package into a static, reproducible binary, as ko does.

``CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w -buildid="``: no C, no
build paths (``-trimpath``), no VCS stamp or build ID (both change with things other than
the sources), symbols and DWARF stripped. The environment is made here, not inherited:
GOOS/GOARCH/GOARM from the platform, GOCACHE under imagekit's cache directory (a rebuild
is warm), GOPROXY=off (modules come from vendor/ or not at all), GOTOOLCHAIN=local.
The compiler and linker run with GOGC=200: the same binary, byte for byte, about a sixth
sooner on a warm rebuild (its collector runs half as often, for a little more memory).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

from imagekit.errors import BuildError, InputError
from imagekit.oci.manifest import Platform

LDFLAGS = "-s -w -buildid="
#: The collector setting of the compiler and linker (they allocate much, live briefly).
GOGC = "200"
#: ``uname -m`` names and the GOARCH (and variant) they are.
_MACHINES = {
    "x86_64": ("amd64", ""),
    "amd64": ("amd64", ""),
    "aarch64": ("arm64", ""),
    "arm64": ("arm64", ""),
    "armv7l": ("arm", "v7"),
    "i686": ("386", ""),
    "ppc64le": ("ppc64le", ""),
    "s390x": ("s390x", ""),
    "riscv64": ("riscv64", ""),
}
#: What go build says when a module it needs is not there (and there is no proxy).
_MISSING_MODULE = (
    "GOPROXY=off",
    "module lookup disabled",
    "no required module provides",
    "missing go.sum entry",
    "cannot find module",
)
_MODULE = re.compile(r"^\s*module\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class GoBuild:
    """One compile: the module directory, the main package in it, and the target."""

    module_dir: Path
    platform: Platform
    package: str = "."
    tags: tuple[str, ...] = ()


def host_platform() -> Platform:
    """This machine's platform, the default target."""
    import platform

    arch, variant = _MACHINES.get(platform.machine(), (platform.machine(), ""))
    return Platform("linux", arch, variant)


def module_path(module_dir: Path) -> str:
    """The module path go.mod declares; InputError when there is no such directory or no
    go.mod in it."""
    if not module_dir.is_dir():
        raise InputError(f"{module_dir}: no such directory")
    go_mod = module_dir / "go.mod"
    try:
        text = go_mod.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"{module_dir}: no go.mod", hint="point at the module's directory (go mod init)"
        ) from None
    found = _MODULE.search(text)
    if not found:
        raise InputError(f"{go_mod}: no module line")
    return found.group(1).strip('"')


def binary_name(module_dir: Path, package: str) -> str:
    """The command's name as ``go build`` names it: the package's last path element, or the
    module path's (a trailing major version ``/v2`` left out)."""
    if package not in (".", "./"):
        return package.rstrip("/").rsplit("/", 1)[-1]
    parts = module_path(module_dir).split("/")
    if len(parts) > 1 and re.fullmatch(r"v[0-9]+", parts[-1]):
        parts.pop()
    return parts[-1]


def go_env(build: GoBuild, cache_dir: Path, path: str) -> dict[str, str]:
    """The whole environment of the compile."""
    goarch = build.platform.architecture
    env = {
        "PATH": path,
        "HOME": str(cache_dir),
        "GOCACHE": str(cache_dir / "go-build"),
        "GOPATH": str(cache_dir / "go"),
        "GOMODCACHE": str(cache_dir / "go" / "pkg" / "mod"),
        "GOENV": "off",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "GOFLAGS": "-mod=vendor" if (build.module_dir / "vendor").is_dir() else "",
        "CGO_ENABLED": "0",
        "GOGC": GOGC,
        "GOOS": build.platform.os,
        "GOARCH": goarch,
    }
    if goarch == "arm" and build.platform.variant:
        env["GOARM"] = build.platform.variant.removeprefix("v")
    return env


def go_command(build: GoBuild, out: Path, go: str = "go") -> list[str]:
    command = [go, "build", "-trimpath", "-buildvcs=false", f"-ldflags={LDFLAGS}"]
    if build.tags:
        command.append(f"-tags={','.join(build.tags)}")
    return [*command, "-o", str(out), build.package]


def find_go(path: str) -> str:
    go = shutil.which("go", path=path or None)
    if go is None:
        raise BuildError(
            "no Go toolchain (go) on PATH",
            hint="apt-get install golang-go (or run .ci/services up)",
        )
    return go


def go_version(go: str, env: dict[str, str]) -> str:
    """``go1.19.8``: the toolchain's version (an input of the binary)."""
    result = subprocess.run([go, "env", "GOVERSION"], capture_output=True, env=env, check=False)
    return result.stdout.decode().strip() or "go (unknown version)"


class Compile:
    """A ``go build`` under way (:func:`start_compile`); :meth:`wait` for the binary.

    The compile runs while the caller lays out everything that does not need the binary
    (the base, the support layer, the engine's connection): it is the longest step of a
    release, and the rest then costs no time of its own. Its output goes to a file, so a
    long error listing never blocks it on a full pipe.
    """

    def __init__(self, build: GoBuild, out: Path, process: subprocess.Popen[bytes], log: IO[bytes]):
        self.build = build
        self.out = out
        self._process = process
        self._log = log

    def wait(self) -> Path:
        """The binary once the compile ends; BuildError with the compiler's last lines."""
        try:
            code = self._process.wait()
            self._log.seek(0)
            text = self._log.read().decode(errors="replace").strip()
        finally:
            self._log.close()
        if code != 0:
            _failed(self.build, text)
        return self.out

    def cancel(self) -> None:
        """Stop the compile (the build failed elsewhere) and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._log.close()


def start_compile(build: GoBuild, out: Path, *, cache_dir: Path, path: str) -> Compile:
    """Start compiling ``build`` into the file ``out``."""
    if not build.module_dir.is_dir():
        raise InputError(f"{build.module_dir}: no such directory")
    go = find_go(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Compile.wait or cancel)
    try:
        process = subprocess.Popen(
            go_command(build, out, go),
            cwd=build.module_dir,
            env=go_env(build, cache_dir, path),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        log.close()
        raise BuildError(f"cannot run {go}: {exc.strerror}") from None
    return Compile(build, out, process, log)


def binary_path(bin_dir: Path, platform: Platform, name: str) -> Path:
    """Where a platform's binary is compiled to under ``bin_dir``."""
    return bin_dir / f"{platform.os}-{platform.architecture}{platform.variant}" / name


def start_compiles(
    builds: Sequence[GoBuild], bin_dir: Path, name: str, *, cache_dir: Path, path: str
) -> list[Compile]:
    """Start every compile of ``builds``, each into :func:`binary_path`; when one cannot
    start, those started are stopped."""
    compiles: list[Compile] = []
    try:
        for build in builds:
            out = binary_path(bin_dir, build.platform, name)
            out.parent.mkdir(parents=True, exist_ok=True)
            compiles.append(start_compile(build, out, cache_dir=cache_dir, path=path))
    except BaseException:
        for compile_ in compiles:
            compile_.cancel()
        raise
    return compiles


def compile_go(build: GoBuild, out: Path, *, cache_dir: Path, path: str) -> Path:
    """Compile ``build`` into the file ``out``; BuildError with the compiler's last lines."""
    return start_compile(build, out, cache_dir=cache_dir, path=path).wait()


def _failed(build: GoBuild, text: str) -> NoReturn:
    lines = text.splitlines()
    hint = None
    if any(sign in text for sign in _MISSING_MODULE):
        hint = "there is no module proxy here: vendor the dependencies (go mod vendor)"
    raise BuildError(
        f"go build {build.package} in {build.module_dir} for {build.platform} failed: "
        + " / ".join(lines[-4:]),
        hint=hint,
    )
