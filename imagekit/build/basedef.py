"""A shared base image as defined in ``baseimages/*.yaml``: what it is made of, its tags, the
Dockerfile imagekit writes for a package list, and the hash of its inputs.

The definition arrives validated and normalised (:mod:`imagekit.config.baseimages` checks
the file with line numbers); :meth:`BaseDefinition.from_mapping` only reads it.

For a package list the Dockerfile is written here, slim by construction: one RUN that
updates the lists, installs with ``--no-install-recommends`` (apk: ``--no-cache``), adds
``ca-certificates`` unless the definition opts out, and removes the lists and caches in
the same RUN; files are copied from a context made of those files only, their modes set
there and their mtimes fixed, so the layer does not depend on the checkout.

The input hash covers the definition, the Dockerfile's text, every file that goes into
the build context and the parent image's ID: unchanged inputs give the same hash, which
the built image carries in the :data:`INPUT_LABEL` label and in its first tag.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The label that carries a base's input hash.
INPUT_LABEL = "org.imagekit.base.input-hash"
#: The label that names the definition a base was built from.
NAME_LABEL = "org.imagekit.base.name"
#: The build arg a hand-written Dockerfile gets its declared parent in.
PARENT_ARG = "BASE_IMAGE"
#: Bumped when what the hash covers changes, so old images are not taken for current.
HASH_FORMAT = "1"
HASH_LENGTH = 12
APT_CLEANUP = (
    "/var/lib/apt/lists/*",
    "/var/cache/apt/*.bin",
    "/var/cache/apt/archives/*.deb",
    "/var/cache/apt/archives/partial",
    "/var/log/apt",
    "/var/log/dpkg.log",
    "/var/cache/debconf/*-old",
)


@dataclass(frozen=True, slots=True)
class Parent:
    """``kind`` is ``base`` (another base of the set), ``image`` (a reference the engine
    has) or ``root`` (a root of ``imagekit build root``)."""

    kind: str
    ref: str

    def __str__(self) -> str:
        return self.ref if self.kind == "image" else f"{self.kind}:{self.ref}"


@dataclass(frozen=True, slots=True)
class FileEntry:
    src: Path
    dest: str
    mode: str


@dataclass(frozen=True, slots=True)
class BaseDefinition:
    name: str
    version: str
    repository: str
    tags: tuple[str, ...]
    path: Path
    """The definition file."""
    parent: Parent | None = None
    labels: tuple[tuple[str, str], ...] = ()
    manager: str = "apt"
    packages: tuple[str, ...] = ()
    ca_certificates: bool = True
    files: tuple[FileEntry, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    workdir: str | None = None
    user: str | None = None
    cmd: tuple[str, ...] | None = None
    dockerfile: Path | None = None
    """A Dockerfile of its own (None: imagekit writes it)."""
    context: Path | None = None
    build_args: tuple[tuple[str, str], ...] = ()
    target: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BaseDefinition:
        parent = data.get("parent")
        cmd = data.get("cmd")
        dockerfile = data.get("dockerfile")
        context = data.get("context")
        return cls(
            name=data["name"],
            version=data["version"],
            repository=data["repository"],
            tags=tuple(data["tags"]),
            path=Path(data["path"]),
            parent=Parent(parent["kind"], parent["ref"]) if parent else None,
            labels=tuple(sorted(data.get("labels", {}).items())),
            manager=data.get("manager", "apt"),
            packages=tuple(data.get("packages", ())),
            ca_certificates=data.get("ca_certificates", True),
            files=tuple(
                FileEntry(Path(f["src"]), f["dest"], f["mode"]) for f in data.get("files", ())
            ),
            env=tuple(data.get("env", {}).items()),
            workdir=data.get("workdir"),
            user=data.get("user"),
            cmd=tuple(cmd) if cmd is not None else None,
            dockerfile=Path(dockerfile) if dockerfile else None,
            context=Path(context) if context else None,
            build_args=tuple(sorted(data.get("build_args", {}).items())),
            target=data.get("target"),
            raw=_portable(data),
        )

    @property
    def generated(self) -> bool:
        return self.dockerfile is None

    def render_tags(self, digest: str) -> tuple[str, ...]:
        """The tags, ``{hash}`` being the first :data:`HASH_LENGTH` hex digits of the
        input hash ``digest``."""
        short = digest.removeprefix("sha256:")[:HASH_LENGTH]
        fields = {"name": self.name, "version": self.version, "hash": short}
        return tuple(tag.format(**fields) for tag in self.tags)

    def references(self, digest: str) -> tuple[str, ...]:
        return tuple(f"{self.repository}:{tag}" for tag in self.render_tags(digest))


def _portable(data: Mapping[str, Any]) -> dict[str, Any]:
    """The definition as the input hash sees it: paths relative to the definition's
    directory, so the hash does not depend on where the repository is checked out."""
    home = os.path.dirname(str(data["path"]))

    def relative(value: Any) -> Any:
        return os.path.relpath(value, home) if isinstance(value, str) and value else value

    out = {k: v for k, v in data.items() if k not in ("path", "line", "parent_line")}
    for key in ("dockerfile", "context"):
        if key in out:
            out[key] = relative(out[key])
    if out.get("files"):
        out["files"] = [{**entry, "src": relative(entry["src"])} for entry in out["files"]]
    return out


def package_run(definition: BaseDefinition) -> str:
    """The one RUN that installs the package list (empty when there is nothing to install)."""
    packages = list(definition.packages)
    if definition.ca_certificates and "ca-certificates" not in packages:
        packages.insert(0, "ca-certificates")
    if not packages:
        return ""
    names = " ".join(shlex.quote(p) for p in packages)
    if definition.manager == "apk":
        return f"RUN apk add --no-cache {names}\n"
    cleanup = " ".join(APT_CLEANUP)
    return (
        "RUN apt-get update \\\n"
        f" && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {names} \\\n"
        f" && rm -rf {cleanup}\n"
    )


def _quoted(value: str) -> str:
    return json.dumps(value)


def generated_dockerfile(definition: BaseDefinition, parent_ref: str) -> str:
    """The Dockerfile of a base made from a package list, on the image ``parent_ref``."""
    lines = [
        f"# Written by imagekit from {definition.path.name}; edit that file, not this one.",
        f"FROM {parent_ref}",
    ]
    text = "\n".join(lines) + "\n"
    text += package_run(definition)
    for index, entry in enumerate(definition.files):
        text += f"COPY {_quoted(context_name(index, entry))} {_quoted(entry.dest)}\n"
    if definition.env:
        pairs = " ".join(f"{key}={_quoted(value)}" for key, value in definition.env)
        text += f"ENV {pairs}\n"
    if definition.workdir:
        text += f"WORKDIR {definition.workdir}\n"
    if definition.user:
        text += f"USER {definition.user}\n"
    if definition.cmd is not None:
        text += f"CMD {json.dumps(list(definition.cmd))}\n"
    return text


def context_name(index: int, entry: FileEntry) -> str:
    """Where a file goes in a generated base's context: ``files/N/NAME`` (the name kept,
    so the linter sees what kind of file it is)."""
    return f"files/{index}/{entry.src.name}"


def write_context(definition: BaseDefinition, directory: Path, dockerfile: str, mtime: int) -> Path:
    """Lay out the build context of a generated base in ``directory``: the Dockerfile and
    each file (:func:`context_name`) with its mode, mtime ``mtime``. Returns the Dockerfile's path."""
    for index, entry in enumerate(definition.files):
        target = directory / context_name(index, entry)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.src.read_bytes())
        os.chmod(target, int(entry.mode, 8))
        os.utime(target, (mtime, mtime))
    path = directory / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    (directory / ".dockerignore").write_text("Dockerfile\n.dockerignore\n", encoding="utf-8")
    return path


def _context_files(context: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(context):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder) / name


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hash(definition: BaseDefinition, dockerfile: str, parent_id: str) -> str:
    """``sha256:…`` over the definition, the Dockerfile text, the files that go into the
    context (a hand-written Dockerfile's whole context directory) and the parent's ID."""
    files: list[list[str]] = []
    if definition.generated:
        for entry in definition.files:
            files.append([entry.dest, entry.mode, _file_digest(entry.src)])
    elif definition.context is not None:
        for path in _context_files(definition.context):
            if path.is_symlink():
                files.append([str(path.relative_to(definition.context)), "link", os.readlink(path)])
            elif path.is_file():
                mode = f"{path.stat().st_mode & 0o7777:04o}"
                files.append([str(path.relative_to(definition.context)), mode, _file_digest(path)])
    document = {
        "format": HASH_FORMAT,
        "definition": definition.raw,
        "dockerfile": dockerfile,
        "files": files,
        "parent": parent_id,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
