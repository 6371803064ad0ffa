"""IK534 untrusted-base-registry: a FROM image from a registry outside the trusted list.

Runs only when the configuration names trusted registries (``trusted_registries``). Every
stage is judged. The registry of a reference is its first path component when that holds a
``.`` or ``:`` or is ``localhost``, else Docker Hub; Docker Hub's names (``docker.io``,
``index.docker.io``, ``registry-1.docker.io``) are one registry, in the list and in
references. Entries match whole hosts (with the port when one is given); ``*.example.com``
matches every host under example.com. ``scratch``, earlier stages and bases left to a build
arg without a default are not judged; ARG defaults are substituted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK534"
DOCKER_HUB = "docker.io"
_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"})


def check(ctx: Context) -> Iterator[Violation]:
    trusted = tuple(canonical(entry) for entry in ctx.options.trusted_registries if entry.strip())
    if not trusted:
        return
    for stage in ctx.dockerfile.stages:
        image = stage.image
        if image is None or not stage.base_resolved or "$" in stage.base:
            continue
        registry = canonical(image.registry or DOCKER_HUB)
        if is_trusted(registry, trusted):
            continue
        shown = "Docker Hub (docker.io)" if registry == DOCKER_HUB else f"`{registry}`"
        yield ctx.at(
            RULE,
            stage.from_instruction,
            f"`{image.raw}` comes from {shown}, which is not a trusted registry "
            f"({', '.join(trusted)}): pull it through a trusted registry, or add the registry "
            "to `trusted_registries`",
        )


def canonical(registry: str) -> str:
    """Lower-case host (and port); Docker Hub's names become ``docker.io``."""
    host = registry.strip().lower().rstrip("/")
    return DOCKER_HUB if host in _HUB_NAMES else host


def is_trusted(registry: str, trusted: Iterable[str]) -> bool:
    for entry in trusted:
        if entry == "*" or entry == registry:
            return True
        if entry.startswith("*.") and registry.endswith(entry[1:]):
            return True
    return False
