"""Retention policies and what they would delete (pure).

A :class:`Policy` keeps, in each repository it is applied to, the ``keep_last`` newest
tags, every tag matching a ``keep_tags`` glob, and (with ``older_than``) every tag
younger than that; the other tags go. A tag's age is its image config's ``created``, or
when that is missing (or the epoch, as reproducible builds write it) the time the size
ledger recorded its push; a tag whose age is unknown either way is kept. A tag naming a
digest that a kept tag names is kept too: the registry deletes manifests by digest,
taking every tag that names them.

The :class:`PrunePlan` deletes manifests by digest, the children of a deleted index with
them (unless a kept tag of the repository reaches them), and counts the bytes that
garbage collection would then free: the blobs only deleted manifests reach. Layers shared
with anything that stays are not counted.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from imagekit.errors import UsageError
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import Blob, Snapshot, TagRef
from imagekit.report.usage import TagUsage, Usage

_AGE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``2w``, ``90m``, ``45s`` as seconds; UsageError otherwise."""
    match = _AGE.match(text)
    if match is None or int(match.group(1)) == 0:
        raise UsageError(
            f"--older-than {text!r}: expected a positive number and a unit (s, m, h, d, w)",
            hint="e.g. --older-than 30d",
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_created(text: str) -> float | None:
    """An RFC 3339 time as seconds since the epoch; None when missing, malformed, or at
    or before the epoch (reproducible builds' placeholder)."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # fromisoformat takes at most 6 fraction digits; Go writes 9
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    seconds = moment.timestamp()
    return seconds if seconds > 0 else None


@dataclass(frozen=True, slots=True)
class Policy:
    keep_last: int
    older_than: float | None = None
    keep_tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.keep_last < 0:
            raise UsageError(f"--keep-last {self.keep_last}: must be 0 or more")


@dataclass(frozen=True, slots=True)
class Decision:
    """A tag and whether the policy keeps it, with the reason in words."""

    tag: TagUsage
    keep: bool
    reason: str
    #: The tag's age reference (seconds since the epoch), None when unknown.
    time: float | None = None


@dataclass(frozen=True, slots=True)
class Deletion:
    """One manifest to delete, the tags it takes with it, and the untagged children of
    an index that go with it."""

    repository: str
    digest: Digest
    tags: tuple[str, ...]
    children: tuple[Digest, ...] = ()


@dataclass(frozen=True, slots=True)
class PrunePlan:
    policy: Policy
    decisions: tuple[Decision, ...]
    deletions: tuple[Deletion, ...]
    #: Bytes garbage collection frees once the deletions are done.
    freed_bytes: int
    freed_blobs: int
    #: Freed bytes by repository.
    freed_by_repository: Mapping[str, int]

    @property
    def doomed(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if not d.keep)


def decide(
    tags: Sequence[TagUsage],
    policy: Policy,
    now: float,
    pushed: Mapping[tuple[str, Digest], float] | None = None,
) -> list[Decision]:
    """What ``policy`` keeps of one repository's ``tags``; ``pushed`` are push times by
    (repository, digest) from the ledger, used where the config has no ``created``."""
    times: list[tuple[TagUsage, float | None]] = []
    for tag in tags:
        moment = parse_created(tag.created)
        if moment is None and pushed is not None:
            moment = pushed.get((tag.repository, tag.digest))
        times.append((tag, moment))
    dated = sorted((t for t in times if t[1] is not None), key=lambda t: (-(t[1] or 0), t[0].tag))
    newest = {t.tag for t, _ in dated[: policy.keep_last]}
    decisions: list[Decision] = []
    for tag, moment in times:
        reason = ""
        if moment is None:
            reason = "no created time"
        elif tag.tag in newest:
            reason = f"one of the {policy.keep_last} newest"
        elif any(fnmatch.fnmatchcase(tag.tag, glob) for glob in policy.keep_tags):
            reason = "matches --keep-tag"
        elif policy.older_than is not None and now - moment < policy.older_than:
            reason = "not old enough"
        decisions.append(Decision(tag, bool(reason), reason or "policy", moment))
    kept_digests = {d.tag.digest for d in decisions if d.keep}
    return [
        Decision(d.tag, True, "its digest is kept under another tag", d.time)
        if not d.keep and d.tag.digest in kept_digests
        else d
        for d in decisions
    ]


def plan(
    snapshot: Snapshot,
    found: Usage,
    policy: Policy,
    repositories: Iterable[str],
    *,
    now: float,
    pushed: Mapping[tuple[str, Digest], float] | None = None,
) -> PrunePlan:
    """What ``policy`` deletes from ``repositories`` of ``snapshot`` (``found`` is its
    usage) and the bytes it would free."""
    decisions: list[Decision] = []
    for name in repositories:
        repository = found.repository(name)
        if repository is not None:
            decisions += decide(repository.tags, policy, now, pushed)
    doomed: dict[tuple[str, Digest], list[str]] = {}
    for decision in decisions:
        if not decision.keep:
            key = (decision.tag.repository, decision.tag.digest)
            doomed.setdefault(key, []).append(decision.tag.tag)
    staying = [t for t in snapshot.tags if (t.repository, t.digest) not in doomed]
    deletions: list[Deletion] = []
    claimed: set[tuple[str, Digest]] = set()
    for (name, digest), tags in doomed.items():
        children = _children(snapshot, name, digest, staying, doomed)
        children = tuple(c for c in children if (name, c) not in claimed)
        claimed.update((name, c) for c in children)
        deletions.append(Deletion(name, digest, tuple(tags), children))
    roots = {(t.repository, t.digest): t for t in snapshot.tags}
    kept_blobs = _reached(snapshot, staying)
    freed: dict[Digest, tuple[str, Blob]] = {}
    for deletion in deletions:
        root = roots[(deletion.repository, deletion.digest)]
        blobs = {root.digest: Blob(root.digest, root.size, root.media_type)}
        blobs |= snapshot.blobs_of(deletion.digest)
        for digest, blob in blobs.items():
            if digest not in kept_blobs:
                freed.setdefault(digest, (deletion.repository, blob))
    by_repository: dict[str, int] = {}
    for name, blob in freed.values():
        by_repository[name] = by_repository.get(name, 0) + blob.size
    return PrunePlan(
        policy,
        tuple(decisions),
        tuple(deletions),
        sum(b.size for _, b in freed.values()),
        len(freed),
        by_repository,
    )


def _reached(snapshot: Snapshot, tags: Iterable[TagRef]) -> set[Digest]:
    found: set[Digest] = set()
    for tag in tags:
        found.add(tag.digest)
        found.update(snapshot.blobs_of(tag.digest))
    return found


def _children(
    snapshot: Snapshot,
    repository: str,
    digest: Digest,
    staying: Sequence[TagRef],
    doomed: Mapping[tuple[str, Digest], list[str]],
) -> tuple[Digest, ...]:
    """Manifests below the index ``digest`` that no staying tag of ``repository`` reaches
    and that are not deleted as tagged manifests themselves: deleted after the index."""
    below = [n.digest for n in snapshot.reach(digest) if n.digest != digest]
    if not below:
        return ()
    kept = _reached(snapshot, (t for t in staying if t.repository == repository))
    return tuple(d for d in dict.fromkeys(below) if d not in kept and (repository, d) not in doomed)
