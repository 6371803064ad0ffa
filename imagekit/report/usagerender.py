"""Render a registry's :class:`~imagekit.report.usage.Usage`: a table, JSON, Markdown.

The table and Markdown give the total (each blob counted once), the repositories biggest
first with the bytes only they hold and their share of the storage, then every tag with
its sizes, created time and platforms, and the items that could not be read. JSON carries
exact bytes (:func:`usage_to_dict`).
"""

from __future__ import annotations

import json
from typing import Any

from imagekit.registry.snapshot import ItemError
from imagekit.report.sizes import human_size, optional_size, percent
from imagekit.report.text import code, md, short_digest, table
from imagekit.report.usage import RepositoryUsage, TagUsage, Usage

FORMATS = ("table", "json", "markdown")
MEANING = (
    "Sizes are as stored (compressed), each blob counted once: layers, configs, manifests "
    "and indexes. Unique: what only this repository (tag) holds, freed by deleting it and "
    "collecting garbage. Shared: held by other repositories too."
)


def render_usage(found: Usage, fmt: str) -> str:
    """``found`` in ``fmt`` (table, json or markdown), ending with a newline."""
    if fmt == "json":
        return json.dumps(usage_to_dict(found), indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    markdown = fmt == "markdown"
    sections = [_summary(found, markdown), _repositories(found, markdown)]
    sections += [_tags(found, markdown), _errors(found.errors, markdown), MEANING]
    return "\n\n".join(s for s in sections if s) + "\n"


def by_size(found: Usage) -> list[RepositoryUsage]:
    """The repositories, the most referenced bytes first (then by name)."""
    return sorted(found.repositories, key=lambda r: (-r.referenced_bytes, r.name))


def _summary(found: Usage, markdown: bool) -> str:
    line = (
        f"{found.registry}: {human_size(found.total_bytes)} in {found.blob_count} blobs, "
        f"{len(found.repositories)} repositories, {found.tag_count} tags"
    )
    if found.errors:
        line += f", {len(found.errors)} items unreadable"
    return f"### Registry storage\n\n{md(line)}" if markdown else line


def _repositories(found: Usage, markdown: bool) -> str:
    if not found.repositories:
        return ""
    rows = []
    for repository in by_size(found):
        share = repository.referenced_bytes / found.total_bytes if found.total_bytes else 0.0
        name = code(repository.name) if markdown else repository.name
        rows.append(
            (
                name,
                len(repository.tags),
                human_size(repository.referenced_bytes),
                human_size(repository.unique_bytes),
                human_size(repository.shared_bytes),
                percent(share),
            )
        )
    headers = ("repository", "tags", "referenced", "unique", "shared", "of storage")
    return table(rows, headers, markdown, "lrrrrr")


def _tag_row(tag: TagUsage, markdown: bool) -> tuple[str, ...]:
    name = f"{tag.repository}:{tag.tag}"
    kind = ", ".join(tag.platforms) or tag.artifact_type or "-"
    return (
        code(name) if markdown else name,
        short_digest(str(tag.digest)),
        human_size(tag.compressed_size),
        optional_size(tag.uncompressed_size, "-"),
        human_size(tag.unique_bytes),
        tag.created or "-",
        md(kind) if markdown else kind,
    )


def _tags(found: Usage, markdown: bool) -> str:
    rows = [_tag_row(t, markdown) for r in by_size(found) for t in r.tags]
    if not rows:
        return ""
    headers = ("tag", "digest", "size", "uncompressed", "unique", "created", "platforms")
    return table(rows, headers, markdown, "llrrrll")


def _errors(errors: tuple[ItemError, ...], markdown: bool) -> str:
    if not errors:
        return ""
    lines = [f"{e.kind} {e.where}: {e.message}" for e in errors]
    if markdown:
        return "**Not read:**\n\n" + "\n".join(f"- {md(line)}" for line in lines)
    return "not read:\n" + "\n".join(f"  {line}" for line in lines)


def _error_dict(error: ItemError) -> dict[str, Any]:
    return {
        "kind": error.kind,
        "repository": error.repository,
        "tag": error.tag or None,
        "digest": str(error.digest) if error.digest else None,
        "message": error.message,
    }


def usage_to_dict(found: Usage) -> dict[str, Any]:
    """The JSON form: exact bytes, repositories biggest first."""
    return {
        "registry": found.registry,
        "total_bytes": found.total_bytes,
        "blob_count": found.blob_count,
        "repository_count": len(found.repositories),
        "tag_count": found.tag_count,
        "repositories": [
            {
                "name": r.name,
                "referenced_bytes": r.referenced_bytes,
                "unique_bytes": r.unique_bytes,
                "shared_bytes": r.shared_bytes,
                "blob_count": r.blob_count,
                "tags": [
                    {
                        "tag": t.tag,
                        "digest": str(t.digest),
                        "media_type": t.media_type,
                        "artifact_type": t.artifact_type or None,
                        "compressed_size": t.compressed_size,
                        "uncompressed_size": t.uncompressed_size,
                        "unique_bytes": t.unique_bytes,
                        "created": t.created or None,
                        "platforms": list(t.platforms),
                        "blob_count": t.blob_count,
                    }
                    for t in r.tags
                ],
            }
            for r in by_size(found)
        ],
        "errors": [_error_dict(e) for e in found.errors],
    }
