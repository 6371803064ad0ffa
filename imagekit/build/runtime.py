"""The ``runtime`` root: what distroless images carry, and no package manager.

libc, ca-certificates, tzdata, base-files and netbase are downloaded by mmdebstrap (its
``extract`` variant, which resolves and fetches but installs nothing), and only those
packages' files are taken from their .debs (dependencies such as debconf, perl or openssl
are not), laid out with merged /usr. No maintainer script runs, so what they would make is
made here: the CA bundle from the certificates the package ships (as update-ca-certificates
would), /etc/localtime (UTC), the accounts (root, nobody, nonroot 65532) and nsswitch.conf.
"""

from __future__ import annotations

import fnmatch
import tempfile
from collections.abc import Sequence
from pathlib import Path

from imagekit.build.accounts import NONROOT_UID, add_accounts
from imagekit.build.cabundle import BUNDLE, bundle_of
from imagekit.build.deb import package_of, unpack_data
from imagekit.build.debian import mmdebstrap_command, run_mmdebstrap
from imagekit.build.layer import Entry, directory, file, symlink
from imagekit.build.tarsource import tar_entries
from imagekit.errors import BuildError

PACKAGES: tuple[str, ...] = ("base-files", "ca-certificates", "libc6", "netbase", "tzdata")
#: Top-level directories that merged /usr makes links into /usr.
MERGED = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: Paths of the packages left out: docs but copyright files, manuals, translations, lintian
#: overrides; and of ca-certificates what only serves update-ca-certificates.
EXCLUDE: tuple[str, ...] = (
    "usr/share/man/*",
    "usr/share/info/*",
    "usr/share/locale/*",
    "usr/share/lintian/*",
    "usr/share/ca-certificates/*",
    "usr/sbin/update-ca-certificates",
    "etc/ca-certificates/*",
    "etc/ca-certificates",
    "usr/share/ca-certificates",
)
NSSWITCH = b"passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
CERTIFICATES = "usr/share/ca-certificates/"


def merged_usr(name: str) -> str:
    """``lib/x/y`` as it lives with merged /usr: ``usr/lib/x/y``."""
    top = name.split("/", 1)[0]
    return f"usr/{name}" if top in MERGED else name


def excluded(name: str) -> bool:
    if name.startswith("usr/share/doc/") and not name.endswith("/copyright"):
        return name.count("/") > 3
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in EXCLUDE)


def _certificates(tar: Path) -> list[tuple[str, bytes]]:
    """The ``.crt`` files ca-certificates ships, by their name under /usr/share/ca-certificates."""
    found = []
    for entry in tar_entries(tar):
        name = entry.name
        if entry.content and name.startswith(CERTIFICATES) and name.endswith(".crt"):
            with entry.content.open() as source:
                found.append((name.removeprefix(CERTIFICATES), source.read()))
    return found


def _merge(into: dict[str, Entry], entries: list[Entry], package: str) -> None:
    for entry in entries:
        name = merged_usr(entry.name)
        have = into.get(name)
        if have is not None:
            if have.kind == "dir" and entry.kind == "dir":
                continue
            raise BuildError(f"runtime root: {package} and another package both ship /{name}")
        into[name] = Entry(
            name,
            entry.kind,
            entry.mode,
            entry.uid,
            entry.gid,
            entry.content,
            merged_usr(entry.link) if entry.kind == "hardlink" else entry.link,
            entry.device,
        )


def download(
    suite: str,
    arch: str,
    packages: Sequence[str],
    into: Path,
    *,
    epoch: int | None,
    sources: Path | None,
) -> dict[str, Path]:
    """Fetch ``packages`` (and what apt resolves for them) into ``into``; the .deb of each
    package asked for, by name."""
    root = into / "root"
    command = mmdebstrap_command(
        suite,
        root,
        variant="extract",
        arch=arch,
        include=packages,
        output_format="directory",
        sources=sources,
        dpkg_options=(),
        apt_options=(),
        skip=("cleanup/apt/cache",),
    )
    run_mmdebstrap(command, epoch, f"download the runtime packages of Debian {suite}")
    archives = root / "var" / "cache" / "apt" / "archives"
    debs = {package_of(path).name: path for path in sorted(archives.glob("*.deb"))}
    missing = sorted(set(packages) - set(debs))
    if missing:
        raise BuildError(f"runtime root: apt did not fetch {', '.join(missing)}")
    return {name: debs[name] for name in packages}


def runtime_entries(debs: dict[str, Path], scratch: Path) -> list[Entry]:
    """The runtime root's entries from the packages' files (``debs`` by package name);
    ``scratch`` holds their unpacked data tars while the layer is written."""
    merged: dict[str, Entry] = {}
    bundle = b""
    for name, deb in sorted(debs.items()):
        tar = unpack_data(deb, scratch / f"{name}.tar")
        if name == "ca-certificates":
            bundle = bundle_of(_certificates(tar))
        kept = tar_entries(tar, rename=lambda n: None if excluded(n) else n, what=str(deb))
        _merge(merged, kept, name)
    passwd, group = add_accounts()
    extra = [
        file("etc/passwd", passwd),
        file("etc/group", group),
        file("etc/nsswitch.conf", NSSWITCH),
        directory("home/nonroot", 0o700, uid=NONROOT_UID, gid=NONROOT_UID),
        directory("tmp", 0o1777),
        directory("root", 0o700),
    ]
    if "tzdata" in debs:
        extra += [symlink("etc/localtime", "/usr/share/zoneinfo/Etc/UTC")]
        extra += [file("etc/timezone", b"Etc/UTC\n")]
    if bundle:
        extra += [directory("etc/ssl"), directory("etc/ssl/certs"), file(BUNDLE, bundle)]
    for entry in extra:
        merged[entry.name] = entry
    for top in MERGED:
        if f"usr/{top}" in merged or top in ("bin", "sbin", "lib"):
            merged.setdefault(f"usr/{top}", directory(f"usr/{top}"))
            merged[top] = symlink(top, f"usr/{top}")
    return list(merged.values())


def build_runtime_entries(
    suite: str,
    arch: str,
    packages: Sequence[str],
    scratch: Path,
    *,
    epoch: int | None,
    sources: Path | None = None,
) -> list[Entry]:
    """Download and lay out the runtime root in ``scratch`` (kept until the layer is written)."""
    downloads = Path(tempfile.mkdtemp(prefix="debs-", dir=scratch))
    debs = download(suite, arch, packages, downloads, epoch=epoch, sources=sources)
    return runtime_entries(debs, scratch)
