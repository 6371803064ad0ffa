"""IK402 unpinned-base-tag: FROM an external image with no tag or ``:latest`` and no digest.

Every stage is judged: a builder stage on a moving tag changes what gets built. ``scratch``,
references to earlier stages and bases left unresolved by a build arg without a default
are not judged; ``FROM ${IMAGE}:${TAG}`` is judged with the args' defaults.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK402"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        image = stage.image
        if image is None or not stage.base_resolved or image.digest:
            continue
        if image.tag is None:
            found = f"`{image.raw}` has no tag, so it means `:latest`"
        elif image.tag == "latest":
            found = f"`{image.raw}` uses the `:latest` tag"
        else:
            continue
        name = f"{image.registry}/{image.repository}" if image.registry else image.repository
        yield ctx.at(
            RULE,
            stage.from_instruction,
            f"{found}, which moves with every release: builds are not reproducible and the "
            f"cache breaks when it moves; name a version tag (`{name}:<version>`) "
            "or pin a digest (`@sha256:...`)",
        )
