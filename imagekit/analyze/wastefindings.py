"""IK102 and IK103 in an image: every wasted copy of the merged tree, named by the rule that
would have kept it out.

A copy is wasted when a later layer (or the same one) deletes, overwrites or rewrites it
(:mod:`imagekit.analyze.tree`). Copies stored again with the same content and modification
time and only another owner or mode (what ``chown -R`` and ``chmod -R`` do) are IK103
recursive-chown-after-copy; all the others are IK102 cleanup-in-later-layer, copies stored
again identical included (a second COPY of the same files, or a chown that changed
nothing). One finding per rule, writing layer and hiding layer, so the findings' bytes add
up to the analysis's wasted bytes. As there, waste hidden by a base layer (``base``) is
left out, and a base copy that a later layer hides is counted.
"""

from __future__ import annotations

from collections.abc import Iterable

from imagekit.analyze.caches import PathGroup, count_of, rule_finding
from imagekit.analyze.report import Finding
from imagekit.analyze.tree import DELETED, OVERWRITTEN, REWRITTEN, UNCHANGED, Waste


def waste_findings(waste: Iterable[Waste], base: int = 0) -> list[Finding]:
    """The IK102 and IK103 findings of ``waste`` (``Tree.waste``), by layer."""
    groups: dict[tuple[int, int, str], PathGroup] = {}
    hows: dict[tuple[int, int, str], set[str]] = {}
    for copy in waste:
        if copy.hidden_by < base:
            continue
        rule = "IK103" if copy.how == REWRITTEN else "IK102"
        key = (copy.layer, copy.hidden_by, rule)
        group = groups.get(key)
        if group is None:
            group = groups[key] = PathGroup()
            hows[key] = set()
        group.add(copy.path, copy.size)
        hows[key].add(copy.how)
    out = []
    for key, group in sorted(groups.items()):
        layer, hidden_by, rule = key
        if rule == "IK103":
            message = _rewritten(layer, hidden_by, group)
        else:
            message = _hidden(layer, hidden_by, group, hows[key], base)
        out.append(rule_finding(rule, layer, group, message, hidden_by))
    return out


def _amount(group: PathGroup) -> str:
    return f"{count_of(group.count)} ({group.bytes} bytes)"


#: How IK102 messages say what a later layer did, in this order.
_VERBS = ((DELETED, "deleted"), (OVERWRITTEN, "overwritten"), (UNCHANGED, "stored again unchanged"))


def _hidden(layer: int, hidden_by: int, group: PathGroup, hows: set[str], base: int) -> str:
    verbs = [verb for key, verb in _VERBS if key in hows]
    how = " or ".join(verbs) if len(verbs) < 3 else f"{verbs[0]}, {verbs[1]} or {verbs[2]}"
    if layer == hidden_by:
        return (
            f"{_amount(group)} written twice by layer {layer}: only the last copy is visible, "
            "the first still ships; write each file once"
        )
    if layer < base:
        return (
            f"{_amount(group)} of the base image (layer {layer}) {how} by layer {hidden_by}: "
            "deleting or replacing a base image's files does not make the image smaller; "
            "start from a base without them"
        )
    if hows == {UNCHANGED}:
        return (
            f"{_amount(group)} written by layer {layer} and {how} by layer {hidden_by} (same "
            "content, modification time, owner and mode): the image carries them twice; "
            "copy each file once, and drop a chown or chmod that changes nothing"
        )
    return (
        f"{_amount(group)} written by layer {layer} and {how} by layer {hidden_by}: the "
        "image still carries them; remove them in the RUN that writes them, or leave them "
        "out with .dockerignore or a multi-stage build"
    )


def _rewritten(layer: int, hidden_by: int, group: PathGroup) -> str:
    return (
        f"{_amount(group)} that layer {layer} wrote are stored again by layer {hidden_by} "
        "with the same content, only their owner or mode changed (what `chown -R` or "
        "`chmod -R` does): the first copies still ship; set the owner or mode while copying "
        "(`COPY --chown`, `COPY --chmod`) or in the RUN that writes the files"
    )
