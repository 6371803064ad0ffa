"""Caches and leftovers inside shipped layers, reported with the catalogue's rule IDs.

A cache is counted in the layer that wrote it, whether or not a later layer deletes it:
the layer ships its bytes either way (a later deletion only adds the copy to the waste).
Only regular files with content count; a finding needs at least one byte.

- IK201 apt package lists (``/var/lib/apt/lists``, the ``lock`` file aside) and downloaded
  ``.deb`` files in ``/var/cache/apt/archives``
- IK203 ``/var/cache/apk``; IK204 pip's cache; IK205 npm's and yarn's caches;
  IK206 Gradle's caches and Maven's local repository; IK207 ``/var/cache/yum`` and ``dnf``
- IK209 Go's build cache and module cache; IK211 files in ``/tmp``

Home directories are ``/root`` and ``/home/*``. IK210 (``__pycache__`` without sources)
and IK301 (an executable without a CA bundle) judge the final file system instead:
see :func:`final_findings`.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable

from imagekit.analyze.report import Finding
from imagekit.analyze.tarstream import FILE, SYMLINK
from imagekit.analyze.tree import Visible
from imagekit.catalog import load_rule

#: Paths a finding lists (the largest first).
SHOWN_PATHS = 5

_HOME = r"(?:root|home/[^/]+)"
#: (rule, the cache directory pattern); the content under it is the finding.
CACHES: tuple[tuple[str, str], ...] = (
    ("IK201", r"var/lib/apt/lists/(?!lock$)"),
    ("IK201", r"var/cache/apt/archives/(?=.*\.deb$)"),
    ("IK203", r"var/cache/apk/"),
    ("IK204", _HOME + r"/\.cache/pip/"),
    ("IK205", _HOME + r"/\.npm/_cacache/"),
    ("IK205", r"usr/local/share/\.cache/yarn/"),
    ("IK205", _HOME + r"/\.cache/yarn/"),
    ("IK206", _HOME + r"/\.gradle/caches/"),
    ("IK206", _HOME + r"/\.m2/repository/"),
    ("IK207", r"var/cache/(?:yum|dnf)/"),
    ("IK209", _HOME + r"/\.cache/go-build/"),
    ("IK209", r"(?:" + _HOME + r"/)?go/pkg/mod/"),
    ("IK211", r"tmp/"),
)
_MATCH = re.compile("|".join(f"(?P<c{i}>{p}).+" for i, (_, p) in enumerate(CACHES)))
_ROOTS = tuple(re.compile(p) for _, p in CACHES)

#: Directories where the OS's package manager installs its programs: an executable there
#: is not one the image's author copied in (IK301 looks elsewhere).
OS_DIRS = ("bin/", "sbin/", "usr/bin/", "usr/sbin/", "lib", "usr/lib", "usr/libexec/")
CA_BUNDLES = (
    "etc/ssl/certs/ca-certificates.crt",
    "etc/pki/tls/certs/ca-bundle.crt",
    "etc/ssl/cert.pem",
    "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "etc/ssl/ca-bundle.pem",
    "etc/ssl/certs/ca-bundle.crt",
)
_PYC = re.compile(r"^(?:(.*)/)?__pycache__/([^/.]+)\.[^/]*\.pyc$")
ELF = b"\x7fELF"


class PathGroup:
    """Paths of one finding: their bytes, their count and the largest few."""

    __slots__ = ("bytes", "count", "largest", "roots")

    def __init__(self) -> None:
        self.bytes = 0
        self.count = 0
        self.largest: list[tuple[int, str]] = []
        self.roots: dict[str, None] = {}

    def add(self, path: str, size: int, root: str = "") -> None:
        self.bytes += size
        self.count += 1
        item = (size, path)
        if len(self.largest) < SHOWN_PATHS:
            heapq.heappush(self.largest, item)
        elif item > self.largest[0]:
            heapq.heapreplace(self.largest, item)
        if root:
            self.roots.setdefault(root)

    def paths(self) -> tuple[str, ...]:
        return tuple("/" + p for _, p in sorted(self.largest, reverse=True))


class CacheScanner:
    """Feed it each layer's regular files with :meth:`observe`; :meth:`findings` after."""

    def __init__(self, base: int = 0) -> None:
        self._base = base
        self._groups: dict[tuple[int, str], PathGroup] = {}

    def observe(self, layer: int, path: str, size: int) -> None:
        if layer < self._base or not size:
            return
        match = _MATCH.match(path)
        if match is None or match.lastgroup is None:
            return
        index = int(match.lastgroup[1:])
        rule = CACHES[index][0]
        root = _ROOTS[index].match(path)
        prefix = root.group(0).rstrip("/") if root else path
        key = (layer, rule)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = PathGroup()
        group.add(path, size, "/" + prefix)

    def findings(self) -> list[Finding]:
        out = []
        for (layer, rule_id), group in sorted(self._groups.items()):
            where = ", ".join(group.roots)
            out.append(
                rule_finding(
                    rule_id,
                    layer,
                    group,
                    f"{count_of(group.count)} ({group.bytes} bytes) left in {where}",
                )
            )
        return out


def rule_finding(
    rule_id: str, layer: int, group: PathGroup, message: str, hidden_by: int | None = None
) -> Finding:
    """A finding of the catalogue rule ``rule_id`` about ``group``'s paths in ``layer``."""
    rule = load_rule(rule_id)
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity=rule.severity.value,
        layer=layer,
        paths=group.paths(),
        count=group.count,
        bytes=group.bytes,
        message=message,
        hidden_by=hidden_by,
    )


def final_findings(visible: Iterable[Visible], base: int = 0) -> list[Finding]:
    """IK210 and IK301, judged on the final file system (``visible`` from Tree.walk)."""
    paths: set[str] = set()
    pyc: list[tuple[str, str, Visible]] = []
    executables: list[Visible] = []
    bundle = False
    for item in visible:
        paths.add(item.path)
        if item.path in CA_BUNDLES or (
            item.path.startswith("etc/ssl/certs/") and item.path.endswith(".pem")
        ):
            blob = item.blob
            bundle = bundle or item.kind == SYMLINK or (blob is not None and blob.size > 0)
        if item.kind != FILE or item.layer < base:
            continue
        if "__pycache__/" in item.path:
            match = _PYC.match(item.path)
            if match:
                directory, module = match.group(1), match.group(2)
                source = f"{directory}/{module}.py" if directory else f"{module}.py"
                pyc.append((source, item.path, item))
        elif (
            item.mode & 0o111
            and item.blob is not None
            and item.blob.head == ELF
            and not item.path.startswith(OS_DIRS)
            and not _is_library(item.path)
        ):
            executables.append(item)
    out: list[Finding] = []
    by_layer: dict[int, PathGroup] = {}
    for source, path, item in pyc:
        if source not in paths and item.size:
            by_layer.setdefault(item.layer, PathGroup()).add(path, item.size)
    for layer, group in sorted(by_layer.items()):
        message = (
            f"{count_of(group.count, 'compiled file')} ({group.bytes} bytes) in __pycache__ "
            "directories whose .py sources are not in the image: Python never reads them"
        )
        out.append(rule_finding("IK210", layer, group, message))
    if executables and not bundle:
        group = PathGroup()
        for item in executables:
            group.add(item.path, item.size)
        first = min(item.layer for item in executables)
        message = (
            f"{count_of(group.count, 'executable')} such as {group.paths()[0]} and no CA bundle "
            f"(looked for /{CA_BUNDLES[0]} and the usual alternatives): TLS connections will "
            "fail to verify certificates"
        )
        out.append(rule_finding("IK301", first, group, message))
    return out


def _is_library(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name.endswith(".so") or ".so." in name


def count_of(count: int, noun: str = "file") -> str:
    """``1 file``, ``3 files``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
