"""IK401 fat-base-image: the shipped image is built on a toolchain or full-size base.

The base is the external image at the root of the target stage's chain. It is looked up
in ``rules/data/base-images.toml``: the registry host is dropped, and so is everything up
to a ``library/`` component (``docker.io/library/node``, ``mirror.example/library/python``,
``public.ecr.aws/docker/library/ruby``); a reference without a tag has tag ``latest``.
Bases that depend on a build arg without a default are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from imagekit.dockerfile import ImageName
from imagekit.lint.cabundle import table_match
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK401"
_KINDS = {
    "toolchain": "a toolchain image: compilers and build tools the running program does not use",
    "full": "the full-size variant, with compilers, headers and libraries the program does not use",
}


def check(ctx: Context) -> Iterator[Violation]:
    shipped = ctx.shipped
    if not shipped:
        return
    root = ctx.lineage(shipped[-1])[0]
    if root.image is None or not root.base_resolved:
        return
    entry = match(ctx.data("base-images"), root.image)
    if entry is None:
        return
    kind = _KINDS.get(str(entry.get("kind", "")), "a large image")
    saving = entry.get("typical_saving_mb")
    size = f" (typically ~{saving} MB smaller, compressed)" if saving else ""
    yield ctx.at(
        RULE,
        root.from_instruction,
        f"the shipped image is built on {root.image.raw}, {kind}; "
        f"instead: {entry.get('suggestion', 'a slim variant or a multi-stage build')}{size}",
    )


def name_and_tag(image: ImageName) -> tuple[str, str]:
    """The repository name the table matches (without host and ``library/``) and the tag."""
    parts = image.repository.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "library":
            parts = parts[i + 1 :]
            break
    return "/".join(parts), image.tag or "latest"


def match(table: Mapping[str, Any], image: ImageName) -> Mapping[str, Any] | None:
    """The first ``[[image]]`` entry whose name and tag patterns match, if any."""
    name, tag = name_and_tag(image)
    for entry in table.get("image", []):
        if not isinstance(entry, Mapping) or not table_match(name, str(entry.get("name"))):
            continue
        if not table_match(tag, str(entry.get("tag", "*"))):
            continue
        if any(table_match(tag, str(p)) for p in entry.get("tag_exclude", [])):
            continue
        return entry
    return None
