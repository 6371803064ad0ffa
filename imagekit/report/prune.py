"""Carrying out a :class:`~imagekit.report.retention.PrunePlan` through the registry API,
and showing a plan (table, JSON, Markdown).

Deletes are by digest (``DELETE /v2/<name>/manifests/<digest>``): an index first, then
its untagged children, so a failure midway never leaves a tagged index with a child
gone. Right before deleting, the caller reads the repositories again and passes the plan
made from that fresh read: only deletions both plans agree on are carried out, so a tag
pushed in the meantime is never taken. A manifest already gone (404) counts as deleted;
a registry that refuses deletes (405, UNSUPPORTED) stops the run with a hint on enabling
them; other failures are collected per manifest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imagekit.errors import ImagekitError, RegistryError
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import RegistryResponseError, Unsupported
from imagekit.registry.snapshot import ItemError
from imagekit.report.retention import Deletion, PrunePlan
from imagekit.report.sizes import human_size
from imagekit.report.text import code, md, short_digest, table

ENABLE_DELETES = (
    "enable deletes in the registry's config (storage: delete: enabled: true, or "
    "REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it; the embedded registry has them on"
)


@dataclass(frozen=True, slots=True)
class PruneResult:
    deleted: tuple[Deletion, ...]
    #: Deletions the fresh read no longer agreed with (a tag moved or was pushed).
    skipped: tuple[Deletion, ...]
    errors: tuple[ItemError, ...]


def agreed(planned: PrunePlan, fresh: PrunePlan) -> tuple[list[Deletion], list[Deletion]]:
    """(the deletions of ``fresh`` that ``planned`` has too, those of ``planned`` it lacks)."""
    now = {(d.repository, d.digest): d for d in fresh.deletions}
    keep = [
        now[(d.repository, d.digest)] for d in planned.deletions if (d.repository, d.digest) in now
    ]
    gone = [d for d in planned.deletions if (d.repository, d.digest) not in now]
    return keep, gone


def carry_out(
    client: RegistryClient,
    deletions: list[Deletion],
    skipped: list[Deletion] | None = None,
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> PruneResult:
    """Delete ``deletions`` (each manifest, then its children) through ``client``."""
    done: list[Deletion] = []
    errors: list[ItemError] = []
    for deletion in deletions:
        failure = _delete(client, deletion.repository, deletion.digest)
        if failure is not None:
            errors.append(failure)
            continue
        progress(f"deleted {deletion.repository}@{deletion.digest} ({', '.join(deletion.tags)})")
        for child in deletion.children:
            problem = _delete(client, deletion.repository, child)
            if problem is not None:
                errors.append(problem)
        done.append(deletion)
    return PruneResult(tuple(done), tuple(skipped or ()), tuple(errors))


def _delete(client: RegistryClient, repository: str, digest: Digest) -> ItemError | None:
    try:
        client.delete_manifest(repository, digest)
    except Unsupported as exc:
        raise RegistryError(
            f"{client.registry} refuses to delete manifests ({exc.status}): {exc.message}",
            hint=ENABLE_DELETES,
        ) from None
    except RegistryResponseError as exc:
        if exc.status == 404:
            return None
        return ItemError(repository, " ".join(exc.message.split()), digest=digest, kind="delete")
    except ImagekitError as exc:
        return ItemError(repository, " ".join(exc.message.split()), digest=digest, kind="delete")
    return None


def render_plan(plan: PrunePlan, fmt: str, result: PruneResult | None = None) -> str:
    """The plan (and with ``result`` what was done) in ``fmt``: table, json or markdown."""
    if fmt == "json":
        return json.dumps(plan_to_dict(plan, result), indent=2) + "\n"
    markdown = fmt == "markdown"
    doomed = plan.doomed
    verb = "deleted" if result is not None else "would delete"
    manifests = len(result.deleted) if result is not None else len(plan.deletions)
    summary = (
        f"{verb} {len(doomed)} tags ({manifests} manifests) of {len(plan.decisions)}, "
        f"freeing {human_size(plan.freed_bytes)} in {plan.freed_blobs} blobs once garbage "
        "is collected (layers shared with what stays not counted)"
    )
    if result is None:
        summary += "; nothing deleted: add --yes to delete"
    rows = []
    for decision in sorted(plan.decisions, key=lambda d: (d.keep, d.tag.repository, d.tag.tag)):
        name = f"{decision.tag.repository}:{decision.tag.tag}"
        rows.append(
            (
                code(name) if markdown else name,
                short_digest(str(decision.tag.digest)),
                decision.tag.created or "-",
                human_size(decision.tag.compressed_size),
                "keep" if decision.keep else "delete",
                md(decision.reason) if markdown else decision.reason,
            )
        )
    parts = [md(summary) if markdown else summary]
    if rows:
        headers = ("tag", "digest", "created", "size", "action", "why")
        parts.append(table(rows, headers, markdown, "lllrll"))
    if result is not None:
        parts += [
            f"skipped (changed since read): {d.repository}@{d.digest}" for d in result.skipped
        ]
        parts += [f"failed {e.where}: {e.message}" for e in result.errors]
    return "\n\n".join(parts) + "\n"


def plan_to_dict(plan: PrunePlan, result: PruneResult | None = None) -> dict[str, Any]:
    policy = plan.policy
    document: dict[str, Any] = {
        "policy": {
            "keep_last": policy.keep_last,
            "older_than_seconds": policy.older_than,
            "keep_tags": list(policy.keep_tags),
        },
        "dry_run": result is None,
        "freed_bytes": plan.freed_bytes,
        "freed_blobs": plan.freed_blobs,
        "freed_by_repository": dict(plan.freed_by_repository),
        "tags": [
            {
                "repository": d.tag.repository,
                "tag": d.tag.tag,
                "digest": str(d.tag.digest),
                "created": d.tag.created or None,
                "compressed_size": d.tag.compressed_size,
                "action": "keep" if d.keep else "delete",
                "reason": d.reason,
            }
            for d in plan.decisions
        ],
        "deletions": [_deletion(d) for d in plan.deletions],
    }
    if result is not None:
        document["deleted"] = [_deletion(d) for d in result.deleted]
        document["skipped"] = [_deletion(d) for d in result.skipped]
        document["errors"] = [{"where": e.where, "message": e.message} for e in result.errors]
    return document


def _deletion(deletion: Deletion) -> dict[str, Any]:
    return {
        "repository": deletion.repository,
        "digest": str(deletion.digest),
        "tags": list(deletion.tags),
        "children": [str(c) for c in deletion.children],
    }
