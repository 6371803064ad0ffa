"""A size-ledger record: what one push of one image weighed, when, from which commit.

Records are pure values; :mod:`imagekit.report.ledger` stores them in S3, one object each.
The JSON form is versioned (``"version": 1``) and strict on what the trend relies on
(registry, repository, tag, digest, time, sizes); :func:`parse_record` raises ValueError
naming the field otherwise, which the ledger turns into a skipped record and a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from imagekit.errors import ImageError
from imagekit.oci.digest import Digest
from imagekit.report.delta import ImageSizes

VERSION = 1

#: CI systems' (commit, branch) variables, in the order they are tried; within one
#: system, the first branch variable set wins (GITHUB_HEAD_REF is a pull request's
#: source branch, GITHUB_REF_NAME the pushed branch or tag).
CI_REVISION = (
    ("GITHUB_SHA", ("GITHUB_HEAD_REF", "GITHUB_REF_NAME")),
    ("CIRCLE_SHA1", ("CIRCLE_BRANCH",)),
    ("CI_COMMIT_SHA", ("CI_COMMIT_REF_NAME",)),
)


def ci_revision(ci_var: Callable[[str], str]) -> tuple[str, str]:
    """(commit, branch) from the CI environment (``Config.ci_var``); ("", "") outside CI.

    git is never run: a record without a commit is better than a guess.
    """
    for commit_var, branch_vars in CI_REVISION:
        commit = ci_var(commit_var)
        branches = [ci_var(name) for name in branch_vars]
        if commit or any(branches):
            return commit, next((b for b in branches if b), "")
    return "", ""


@dataclass(frozen=True, slots=True)
class LayerRecord:
    digest: Digest
    size: int | None
    uncompressed_size: int | None = None


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    registry: str
    repository: str
    tag: str
    digest: Digest
    """The manifest's digest."""
    time: float
    """Seconds since the epoch (UTC)."""
    compressed_size: int | None
    uncompressed_size: int | None
    layers: tuple[LayerRecord, ...]
    commit: str = ""
    branch: str = ""
    pushed_bytes: int | None = None

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.time, UTC)

    @property
    def iso_time(self) -> str:
        """``2024-05-01T12:00:00.123Z``: milliseconds, UTC."""
        return self.when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.when.microsecond // 1000:03d}Z"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "registry": self.registry,
            "repository": self.repository,
            "tag": self.tag,
            "digest": str(self.digest),
            "time": self.iso_time,
            "compressed_size": self.compressed_size,
            "uncompressed_size": self.uncompressed_size,
            "layers": [
                {"digest": str(x.digest), "size": x.size, "uncompressed_size": x.uncompressed_size}
                for x in self.layers
            ],
            "commit": self.commit,
            "branch": self.branch,
            "pushed_bytes": self.pushed_bytes,
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode()


def record_of(
    sizes: ImageSizes,
    *,
    registry: str,
    repository: str,
    tag: str,
    time: float,
    commit: str = "",
    branch: str = "",
    pushed_bytes: int | None = None,
) -> LedgerRecord:
    """The record of a push of ``sizes`` (its manifest digest is required)."""
    if sizes.digest is None:
        raise ImageError(f"{sizes.reference}: a pushed image has a manifest digest; none given")
    layers = tuple(LayerRecord(x.digest, x.size, x.uncompressed_size) for x in sizes.layers)
    return LedgerRecord(
        registry,
        repository,
        tag,
        sizes.digest,
        time,
        sizes.compressed_size,
        sizes.uncompressed_size,
        layers,
        commit,
        branch,
        pushed_bytes,
    )


def _text(data: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"'{key}' must be a non-empty string")
    return value


def _size(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"'{key}' must be a non-negative integer or null")
    return value


def parse_time(text: str) -> float:
    """An ISO 8601 time with a zone (``...Z``) as seconds since the epoch; ValueError else."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"time {text!r} has no time zone")
    return when.timestamp()


def parse_record(raw: bytes) -> LedgerRecord:
    """A record from its JSON bytes; ValueError saying what is wrong otherwise."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("version") != VERSION:
        raise ValueError(f"record version {data.get('version')!r} is not {VERSION}")
    layers = data.get("layers")
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise ValueError("'layers' must be a list of objects")
    try:
        digest = Digest.parse(_text(data, "digest"))
        layer_records = tuple(
            LayerRecord(
                Digest.parse(_text(x, "digest")), _size(x, "size"), _size(x, "uncompressed_size")
            )
            for x in layers
        )
    except ImageError as exc:
        raise ValueError(exc.message) from None
    return LedgerRecord(
        _text(data, "registry"),
        _text(data, "repository"),
        _text(data, "tag"),
        digest,
        parse_time(_text(data, "time")),
        _size(data, "compressed_size"),
        _size(data, "uncompressed_size"),
        layer_records,
        _text(data, "commit", required=False),
        _text(data, "branch", required=False),
        _size(data, "pushed_bytes"),
    )
