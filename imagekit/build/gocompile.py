"""Compiling a Go main package into a static, reproducible binary, as ko does.

``CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w -buildid="``: no C, no
build paths (``-trimpath``), no VCS stamp or build ID (both change with things other than
the sources), symbols and DWARF stripped. The environment is made here, not inherited:
GOOS/GOARCH/GOARM from the platform, GOCACHE under imagekit's cache directory (a rebuild
is warm), GOPROXY=off (modules come from vendor/ or not at all), GOTOOLCHAIN=local.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from imagekit.errors import BuildError, InputError
from imagekit.oci.manifest import Platform

LDFLAGS = "-s -w -buildid="
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
    """The module path go.mod declares; InputError when there is no go.mod."""
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


def compile_go(build: GoBuild, out: Path, *, cache_dir: Path, path: str) -> Path:
    """Compile ``build`` into the file ``out``; BuildError with the compiler's last lines."""
    go = find_go(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    env = go_env(build, cache_dir, path)
    result = subprocess.run(
        go_command(build, out, go),
        cwd=build.module_dir,
        env=env,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        hint = None
        text = "\n".join(lines)
        if any(sign in text for sign in _MISSING_MODULE):
            hint = "there is no module proxy here: vendor the dependencies (go mod vendor)"
        raise BuildError(
            f"go build {build.package} in {build.module_dir} for {build.platform} failed: "
            + " / ".join(lines[-4:]),
            hint=hint,
        )
    return out
