"""``imagekit build base``: the set of shared bases built in dependency order on the engine.

Each base, once its parent is ready: the parent is resolved to an image in the engine (a
base of the set, an image reference, or a root made by ``imagekit build root`` and loaded
once); its Dockerfile is written (package list) or read (its own); the caller's
:class:`Gate` examines it (lint at the configured threshold: a failing base stops the
run, after the builds already started; and what needs BuildKit); the input hash is taken
(:func:`~imagekit.build.basedef.input_hash`). When the engine already has the first tag
with that hash in :data:`~imagekit.build.basedef.INPUT_LABEL`, the base is skipped;
otherwise it is built (:mod:`imagekit.build.dockerbuild`). A child's hash covers its
parent's image ID, so a rebuilt parent whose ID changed rebuilds its children.

Independent bases build at the same time, ``jobs`` at most.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from imagekit.build.basedef import (
    INPUT_LABEL,
    NAME_LABEL,
    PARENT_ARG,
    BaseDefinition,
    generated_dockerfile,
    input_hash,
    write_context,
)
from imagekit.build.dockerbuild import BuildKitNeed, BuildRequest, Engine, build
from imagekit.errors import BuildError, PolicyFailure, UsageError

#: Where roots used as parents are loaded in the engine.
ROOT_REPOSITORY = "imagekit-root"


@dataclass(frozen=True, slots=True)
class Examined:
    """What the gate found in a Dockerfile: findings (JSON-ready), how many fail the
    threshold, and what needs BuildKit."""

    findings: tuple[dict[str, Any], ...] = ()
    failing: int = 0
    buildkit: tuple[BuildKitNeed, ...] = ()


class Gate(Protocol):
    def examine(self, definition: BaseDefinition, text: str, path: Path) -> Examined: ...

    def sizes(self, image_id: str) -> tuple[int | None, int]:
        """(compressed size as a gzip push sends it, uncompressed size) of an engine image."""
        ...


@dataclass(slots=True)
class BaseResult:
    name: str
    action: str
    """``built``, ``skipped``, or ``lint-failed`` (nothing built)."""
    references: tuple[str, ...] = ()
    image_id: str = ""
    input_hash: str = ""
    parent: str = ""
    parent_id: str = ""
    builder: str = ""
    size: int | None = None
    uncompressed_size: int = 0
    findings: tuple[dict[str, Any], ...] = ()
    dockerfile: str = field(default="", repr=False)

    @property
    def reference(self) -> str:
        return self.references[0] if self.references else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reference": self.reference,
            "references": list(self.references),
            "digest": self.image_id,
            "size": self.size,
            "uncompressed_size": self.uncompressed_size,
            "action": self.action,
            "builder": self.builder,
            "input_hash": self.input_hash,
            "parent": {"reference": self.parent, "digest": self.parent_id},
            "lint": {"findings": list(self.findings)},
        }


@dataclass(frozen=True, slots=True)
class BaseOptions:
    jobs: int = 2
    no_cache: bool = False
    epoch: int | None = None
    """SOURCE_DATE_EPOCH: mtimes of copied files, and of roots made as parents."""


def select(definitions: Sequence[BaseDefinition], names: Sequence[str]) -> list[BaseDefinition]:
    """The bases ``names`` asks for with the bases they are built on (all when empty), in
    dependency order."""
    by_name = {d.name: d for d in definitions}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise UsageError(f"no base named {unknown[0]!r} (known: {known})")
    wanted: set[str] = set()
    for name in names or list(by_name):
        current: BaseDefinition | None = by_name[name]
        while current is not None and current.name not in wanted:
            wanted.add(current.name)
            parent = current.parent
            current = by_name.get(parent.ref) if parent and parent.kind == "base" else None
    ordered: list[BaseDefinition] = []
    done: set[str] = set()

    def visit(definition: BaseDefinition) -> None:
        if definition.name in done:
            return
        parent = definition.parent
        if parent and parent.kind == "base" and parent.ref in by_name:
            visit(by_name[parent.ref])
        done.add(definition.name)
        ordered.append(definition)

    for definition in sorted((by_name[n] for n in wanted), key=lambda d: d.name):
        visit(definition)
    return ordered


def _labels_of(client: Any, reference: str) -> tuple[str, dict[str, str]] | None:
    import docker.errors

    try:
        data = client.api.inspect_image(reference)
    except docker.errors.ImageNotFound:
        return None
    labels = (data.get("Config") or {}).get("Labels") or {}
    return str(data["Id"]), dict(labels)


class BaseBuilder:
    """Builds a set of bases; :meth:`run` returns one :class:`BaseResult` per base."""

    def __init__(
        self,
        engine: Engine,
        gate: Gate,
        options: BaseOptions,
        *,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.gate = gate
        self.options = options
        self.on_line = on_line
        self._lock = threading.Lock()
        self._roots: dict[str, tuple[str, str]] = {}

    def say(self, line: str) -> None:
        if self.on_line is not None:
            with self._lock:
                self.on_line(line)

    def run(self, bases: Sequence[BaseDefinition]) -> list[BaseResult]:
        """Build ``bases`` (in dependency order, :func:`select`). PolicyFailure (with the
        results so far in ``results``) when a Dockerfile fails the lint gate."""
        if self.options.jobs < 1:
            raise UsageError(f"--jobs {self.options.jobs}: must be at least 1")
        results: dict[str, BaseResult] = {}
        pending = list(bases)
        failed: list[BaseResult] = []
        errors: list[BaseException] = []
        running: dict[Future[BaseResult], str] = {}
        names = {b.name for b in bases}
        with ThreadPoolExecutor(max_workers=self.options.jobs) as pool:
            while pending or running:
                stop = bool(failed or errors)
                for definition in list(pending):
                    if stop:
                        break
                    parent = definition.parent
                    waits = parent is not None and parent.kind == "base" and parent.ref in names
                    if waits and parent is not None and parent.ref not in results:
                        continue
                    pending.remove(definition)
                    future = pool.submit(self._one, definition, results)
                    running[future] = definition.name
                if stop:
                    pending.clear()
                if not running:
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    try:
                        result = future.result()
                    except BaseException as exc:  # re-raised below, after the others end
                        errors.append(exc)
                        continue
                    if result.action == "lint-failed":
                        failed.append(result)
                    else:
                        results[result.name] = result
        ordered = [results[b.name] for b in bases if b.name in results] + failed
        if errors:
            raise errors[0]
        if failed:
            names_failed = ", ".join(r.name for r in failed)
            error = BaseLintFailure(
                f"base {names_failed}: the Dockerfile has findings at or above the failure "
                "threshold; nothing of it was built",
                hint="fix the findings (shown above), or set lint.failure-threshold",
            )
            error.results = ordered
            raise error
        return ordered

    def _parent(
        self, definition: BaseDefinition, results: dict[str, BaseResult]
    ) -> tuple[str, str]:
        """(reference to build FROM, its image ID) of the definition's parent."""
        parent = definition.parent
        if parent is None:
            return "", ""
        if parent.kind == "base":
            done = results[parent.ref]
            return done.reference, done.image_id
        if parent.kind == "root":
            return self._root(parent.ref)
        client = self.engine.client()
        try:
            found = _labels_of(client, parent.ref)
        finally:
            client.close()
        if found is None:
            raise BuildError(
                f"base {definition.name}: the parent image {parent.ref} is not in the docker "
                "engine (nothing is pulled)",
                hint="load it first (docker load, or imagekit build root ... --output "
                "docker-daemon:NAME:TAG), or name a root: parent: {root: debian}",
            )
        return parent.ref, found[0]

    def _root(self, name: str) -> tuple[str, str]:
        """A root of ``imagekit build root``, loaded into the engine once per suite and
        SOURCE_DATE_EPOCH (the roots are reproducible, so the tag pins the content)."""
        from imagekit.build.blobs import BlobStore
        from imagekit.build.outputs import load_into_engine
        from imagekit.build.roots import ROOT_LABEL, RootRequest, build_root

        with self._lock:
            if name in self._roots:
                return self._roots[name]
            request = RootRequest(name, epoch=self.options.epoch)
            reference = f"{ROOT_REPOSITORY}/{name}:{request.suite}-{request.mtime}"
            client = self.engine.client()
            try:
                found = _labels_of(client, reference)
                if found is None or ROOT_LABEL not in found[1]:
                    self.say(f"making the {name} root for {reference}")
                    with tempfile.TemporaryDirectory(prefix="imagekit-root-") as scratch:
                        built = build_root(request, BlobStore(scratch))
                        image_id = load_into_engine(built, reference, client=client)
                else:
                    image_id = found[0]
            finally:
                client.close()
            self._roots[name] = (reference, image_id)
            return reference, image_id

    def _one(self, definition: BaseDefinition, results: dict[str, BaseResult]) -> BaseResult:
        parent_ref, parent_id = self._parent(definition, results)
        with tempfile.TemporaryDirectory(prefix="imagekit-base-") as scratch:
            if definition.generated:
                text = generated_dockerfile(definition, parent_ref)
                dockerfile = write_context(definition, Path(scratch), text, self.options.epoch or 0)
                context = Path(scratch)
                shown = definition.path.with_name(f"{definition.name}.Dockerfile")
            else:
                assert definition.dockerfile is not None and definition.context is not None
                dockerfile, context = definition.dockerfile, definition.context
                text = dockerfile.read_text(encoding="utf-8")
                shown = dockerfile
            examined = self.gate.examine(definition, text, shown)
            result = BaseResult(
                definition.name,
                "lint-failed",
                parent=parent_ref,
                parent_id=parent_id,
                findings=examined.findings,
                dockerfile=text,
            )
            if examined.failing:
                return result
            digest = input_hash(definition, text, parent_id)
            references = definition.references(digest)
            result.input_hash, result.references = digest, references
            image_id = "" if self.options.no_cache else self._existing(references, digest)
            if image_id:
                result.action, result.image_id = "skipped", image_id
                self.say(f"{definition.name}: unchanged, {references[0]} ({image_id[7:19]})")
            else:
                self.say(
                    f"{definition.name}: building {references[0]} on {parent_ref or 'its FROM'}"
                )
                args = definition.build_args
                if not definition.generated and definition.parent is not None:
                    args = ((PARENT_ARG, parent_ref), *args)
                request = BuildRequest(
                    context,
                    dockerfile,
                    references,
                    target=definition.target,
                    build_args=args,
                    labels=(
                        *definition.labels,
                        (INPUT_LABEL, digest),
                        (NAME_LABEL, definition.name),
                    ),
                    buildkit=examined.buildkit,
                    no_cache=self.options.no_cache,
                    what=f"base {definition.name} ({definition.path.name})",
                )
                made = build(
                    request, self.engine, lambda line: self.say(f"  {definition.name}| {line}")
                )
                result.action, result.image_id, result.builder = (
                    "built",
                    made.image_id,
                    made.builder,
                )
        result.size, result.uncompressed_size = self.gate.sizes(result.image_id)
        return result

    def _existing(self, references: tuple[str, ...], digest: str) -> str:
        """The image ID of an up-to-date build (its other tags moved back to it), or ""."""
        client = self.engine.client()
        try:
            found = _labels_of(client, references[0])
            if found is None or found[1].get(INPUT_LABEL) != digest:
                return ""
            image_id = found[0]
            for reference in references[1:]:
                other = _labels_of(client, reference)
                if other is None or other[0] != image_id:
                    repository, _, tag = reference.rpartition(":")
                    client.api.tag(image_id, repository, tag)
            return image_id
        finally:
            client.close()


class BaseLintFailure(PolicyFailure):
    """A base's Dockerfile failed the lint gate; ``results`` holds what the run did."""

    results: list[BaseResult]
