"""The gates the build commands share: lint at the configured threshold, what in a
Dockerfile needs BuildKit, and the sizes of an engine image (compressed as a push would).

``imagekit build base`` and ``imagekit build dockerfile`` lint every Dockerfile before it
is built, under the configuration that applies to it (found from its directory upward, as
``imagekit lint`` finds it); a finding at or above the failure threshold stops the build.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagekit.build.dockerbuild import BuildKitNeed

if TYPE_CHECKING:
    from imagekit.build.basedef import BaseDefinition
    from imagekit.build.bases import Examined
    from imagekit.lint.findings import Finding

#: RUN flags the classic builder does not know.
RUN_FLAGS = ("mount", "network", "security")
#: COPY and ADD flags the classic builder does not know.
COPY_FLAGS = ("chmod", "link", "parents", "exclude", "checksum", "keep-git-dir")


def buildkit_needs(text: str, path: str = "Dockerfile") -> tuple[BuildKitNeed, ...]:
    """What in the Dockerfile ``text`` the classic builder cannot build, with lines."""
    from imagekit.dockerfile import parse

    dockerfile = parse(text, path)
    needs: list[BuildKitNeed] = []
    for instruction in dockerfile.instructions:
        line = dockerfile.span(instruction.start, instruction.start).line
        keyword = instruction.keyword
        if instruction.heredocs:
            needs.append(BuildKitNeed(line, "heredoc"))
        known = RUN_FLAGS if keyword == "RUN" else COPY_FLAGS if keyword in ("COPY", "ADD") else ()
        for flag in instruction.flags:
            if flag.name in known:
                needs.append(BuildKitNeed(line, f"{keyword} --{flag.name}"))
    return tuple(needs)


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as ``imagekit lint --format json`` writes it (without the fix's edits)."""
    return {
        "file": finding.path,
        "line": finding.line,
        "column": finding.column,
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "fixable": finding.fixable,
    }


class LintGate:
    """Lints Dockerfiles under the configuration that applies to each (or ``config_path``)."""

    def __init__(self, config_path: str | None = None, isolated: bool = False) -> None:
        from imagekit.lint.engine import Flags, Linters, LintOptions

        self._linters = Linters(LintOptions(), Flags(config=config_path, isolated=isolated))
        self._lock = threading.Lock()

    def lint(
        self, text: str, shown: Path, *, context: Path | None = None, target: str | None = None
    ) -> tuple[list[Finding], int]:
        """The findings of ``text`` (named ``shown``, configured from its directory) and how
        many are at or above the failure threshold."""
        from imagekit.lint.engine import Linter

        with self._lock:
            linter = self._linters.for_file(str(shown), str(shown.parent))
            if target is not None:
                options = linter.options._replace(target=target)
                linter = Linter(options, policy=linter.policy._replace(options=options))
            directory = context if context is not None else shown.parent
            findings = linter.lint_bytes(text.encode("utf-8"), str(shown), directory)
        floor = linter.policy.threshold_rank
        failing = 0 if floor is None else sum(1 for f in findings if f.severity.rank >= floor)
        return findings, failing


class SizeCache:
    """Sizes of engine images by image ID (content-addressed, so never stale), kept in
    the cache directory: compressing a layer to learn its size costs seconds."""

    def __init__(self, cache_dir: str, base_url: str | None) -> None:
        self.path = Path(cache_dir) / "build" / "sizes.json"
        self.base_url = base_url
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def sizes(self, image_id: str) -> tuple[int | None, int]:
        with self._lock:
            known = self._load().get(image_id)
        if isinstance(known, list) and len(known) == 2:
            return known[0], known[1]
        size, uncompressed = measure_engine_image(image_id, self.base_url)
        with self._lock:
            data = self._load()
            data[image_id] = [size, uncompressed]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".sizes.")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream)
            os.replace(temp, self.path)
        return size, uncompressed


def measure_engine_image(image_id: str, base_url: str | None = None) -> tuple[int | None, int]:
    """(compressed, uncompressed) bytes of an engine image: its layers gzipped at the
    level a push uses, plus the config; the layer tars' bytes."""
    from imagekit.analyze import analyze
    from imagekit.oci.engine import open_engine

    image = open_engine(image_id, base_url=base_url)
    try:
        analysis = analyze(image, compute_compressed=True, duplicate_min_size=None)
    finally:
        image.close()
    return analysis.total_size, analysis.total_uncompressed_size


class BaseGate:
    """The :class:`~imagekit.build.bases.Gate` of ``imagekit build base``."""

    def __init__(self, lint: LintGate, sizes: SizeCache) -> None:
        self.lint = lint
        self._sizes = sizes

    def examine(self, definition: BaseDefinition, text: str, path: Path) -> Examined:
        from imagekit.build.bases import Examined

        findings, failing = self.lint.lint(
            text, path, context=definition.context, target=definition.target
        )
        return Examined(
            tuple(finding_dict(f) for f in findings), failing, buildkit_needs(text, str(path))
        )

    def sizes(self, image_id: str) -> tuple[int | None, int]:
        return self._sizes.sizes(image_id)
