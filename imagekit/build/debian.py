"""Debian roots from mmdebstrap: the apt-capable ``debian`` root, and the packages the
``runtime`` root extracts (:mod:`imagekit.build.runtime`).

mmdebstrap bootstraps a suite with merged /usr (its merged-usr hook: without it, usrmerge
pulls in perl), docs, man pages and translations left out by dpkg path filters, apt lists
and caches removed, and apt set up as Debian's container images have it. SOURCE_DATE_EPOCH
is passed on, so dpkg, shadow and debconf write that time. Its tar is then rewritten by the
layer writer, less the backups and logs that differ between runs.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from imagekit.build.layer import Entry
from imagekit.build.tarsource import tar_entries
from imagekit.errors import BuildError
from imagekit.oci.manifest import Platform

SUITE = "bookworm"
#: ``apt``: Essential packages and apt. ``minbase`` adds the Priority: required ones
#: (tzdata, e2fsprogs, mount, ...), as debian:bookworm-slim has them.
VARIANT = "apt"
MERGED_USR_HOOK = "/usr/share/mmdebstrap/hooks/merged-usr"

#: dpkg path filters that keep documentation, manuals and translations out of a slim root,
#: while keeping the copyright files.
SLIM_DPKG_OPTIONS: tuple[str, ...] = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/lintian/*",
)

_CLEAN_ARCHIVES = (
    '"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
    ' /var/cache/apt/*.bin || true";'
)

#: apt settings of a slim root, as Debian's published container images have them: downloaded
#: packages and apt's binary caches are deleted after each run, indexes stay compressed,
#: no translations are fetched, and suggested packages are not kept by autoremove.
SLIM_APT_OPTIONS: tuple[str, ...] = (
    f"DPkg::Post-Invoke {{ {_CLEAN_ARCHIVES} }};",
    f"APT::Update::Post-Invoke {{ {_CLEAN_ARCHIVES} }};",
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
    'Acquire::GzipIndexes "true";',
    'Acquire::CompressionTypes::Order:: "gz";',
    'Acquire::Languages "none";',
    'APT::AutoRemove::SuggestsImportant "false";',
)

#: Files a bootstrap leaves that differ between runs or only back up others: dpkg's and
#: debconf's ``-old`` copies, logs, ldconfig's cache of file times.
VOLATILE: tuple[str, ...] = (
    "var/cache/debconf/*-old",
    "var/lib/dpkg/*-old",
    "var/cache/ldconfig/aux-cache",
    "var/log/dpkg.log",
    "var/log/alternatives.log",
    "var/log/bootstrap.log",
    "var/log/apt/*.log",
    "var/log/apt/eipp.log.xz",
)

#: Debian architecture names by image platform (``OS/ARCH[/VARIANT]`` without the OS).
DEB_ARCHES: dict[str, str] = {
    "amd64": "amd64",
    "arm64": "arm64",
    "arm64/v8": "arm64",
    "arm/v7": "armhf",
    "arm/v5": "armel",
    "386": "i386",
    "ppc64le": "ppc64el",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64le": "mips64el",
}


def deb_arch(platform: Platform) -> str:
    """Debian's name for ``platform``'s architecture; BuildError for one Debian lacks."""
    key = (
        f"{platform.architecture}/{platform.variant}" if platform.variant else platform.architecture
    )
    if platform.os != "linux" or key not in DEB_ARCHES:
        known = ", ".join(f"linux/{name}" for name in DEB_ARCHES)
        raise BuildError(f"Debian has no {platform} architecture", hint=f"one of {known}")
    return DEB_ARCHES[key]


def platform_of(arch: str) -> Platform:
    """The image platform of a Debian architecture name."""
    for key, name in DEB_ARCHES.items():
        if name == arch:
            architecture, _, variant = key.partition("/")
            return Platform("linux", architecture, variant if architecture == "arm" else "")
    raise BuildError(f"no image platform for the Debian architecture {arch}")


def host_arch() -> str:
    """This machine's Debian architecture (``dpkg --print-architecture``)."""
    return _run(["dpkg", "--print-architecture"], "ask dpkg for the architecture").strip()


def mmdebstrap_command(
    suite: str,
    out: Path,
    *,
    variant: str = VARIANT,
    arch: str | None = None,
    include: Sequence[str] = (),
    output_format: str = "tar",
    sources: Path | None = None,
    dpkg_options: Sequence[str] = SLIM_DPKG_OPTIONS,
    apt_options: Sequence[str] = SLIM_APT_OPTIONS,
    skip: Sequence[str] = (),
) -> list[str]:
    """The mmdebstrap call that writes a merged-/usr ``suite`` root to ``out``.

    Without ``sources`` mmdebstrap uses the Debian mirror for the suite (plus updates and
    security for a stable release); with it, that sources file (one-line or deb822 format)
    is used and copied into the root.
    """
    command = [
        "mmdebstrap",
        f"--variant={variant}",
        f"--format={output_format}",
        f"--hook-dir={MERGED_USR_HOOK}",
        *([f"--architectures={arch}"] if arch else []),
        *([f"--include={','.join(include)}"] if include else []),
        *(f"--dpkgopt={option}" for option in dpkg_options),
        *(f"--aptopt={option}" for option in apt_options),
        *(f"--skip={step}" for step in skip),
        suite,
        str(out),
    ]
    if sources is not None:
        command.append(str(sources))
    return command


def run_mmdebstrap(command: list[str], epoch: int | None, what: str) -> None:
    """Run ``command`` in this process's environment, SOURCE_DATE_EPOCH set to ``epoch``
    (through ``env``, so that proxies and the like reach apt as they are)."""
    if shutil.which("mmdebstrap") is None:
        raise BuildError(
            "mmdebstrap is not installed",
            hint="apt-get install mmdebstrap (or run .ci/services up)",
        )
    prefix = ["env", f"SOURCE_DATE_EPOCH={epoch}"] if epoch is not None else []
    _run([*prefix, *command], what)


def volatile(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in VOLATILE)


def debian_entries(tar: Path) -> list[Entry]:
    """The entries of mmdebstrap's tar, less :data:`VOLATILE` files."""
    return tar_entries(tar, rename=lambda name: None if volatile(name) else name)


def _run(command: list[str], what: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, check=False)
    except OSError as error:
        raise BuildError(f"cannot {what}: {error}") from error
    if result.returncode != 0:
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise BuildError(f"cannot {what}: exit {result.returncode}: {' / '.join(tail)}")
    return result.stdout.decode(errors="replace")
