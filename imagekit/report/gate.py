"""The CI gate of ``imagekit inspect``: size and waste limits, and which of them an image crosses.

A limit is crossed when the image's value is strictly above a maximum or strictly below a
minimum. The size limit applies to the compressed size where the analysis has one (a
registry or an OCI layout, or ``--compute-compressed``), else to the uncompressed size,
and the message says which. The waste limits (wasted bytes, wasted percent, efficiency)
name the IK102 and IK103 findings the wasted bytes are made of, the largest first, so a
failed gate says which layers to fix.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from imagekit.analyze.report import Analysis, Finding
from imagekit.report.sizes import human_size


class Limit(NamedTuple):
    value: float
    origin: str
    """Where the limit was set: the flag (``--max-size``) or ``FILE:LINE`` of the config."""

    def name(self, key: str) -> str:
        """How messages name the limit: ``--max-size``, ``inspect.max-size``."""
        return self.origin if self.origin.startswith("--") else f"inspect.{key}"

    def where(self) -> str:
        return "" if self.origin.startswith("--") else f" (set in {self.origin})"


class Limits(NamedTuple):
    max_size: Limit | None = None
    max_wasted_bytes: Limit | None = None
    max_wasted_percent: Limit | None = None
    min_efficiency: Limit | None = None

    @property
    def any(self) -> bool:
        return any(limit is not None for limit in self)


#: Rules whose findings make up the wasted bytes.
WASTE_RULES = ("IK102", "IK103")
#: Findings a waste message names; the rest are counted.
NAMED_FINDINGS = 3


class Crossing(NamedTuple):
    """A limit the image crossed, with the actual value and by how much."""

    key: str
    """``max-size``, ``max-wasted-bytes``, ``max-wasted-percent`` or ``min-efficiency``."""
    limit: float
    actual: float
    excess: float
    message: str
    findings: tuple[Finding, ...] = ()
    """For the waste limits: the IK102 and IK103 findings of the wasted bytes, largest first."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "limit": self.key,
            "max" if self.key.startswith("max") else "min": self.limit,
            "actual": self.actual,
            "by": self.excess,
            "message": self.message,
        }
        if self.key != "max-size":
            out["findings"] = [
                {"rule": f.rule, "layer": f.layer, "hidden_by": f.hidden_by, "bytes": f.bytes}
                for f in self.findings
            ]
        return out


def waste_findings(analysis: Analysis) -> tuple[Finding, ...]:
    """The findings the analysis's wasted bytes are made of, largest first."""
    found = [f for f in analysis.findings if f.rule in WASTE_RULES]
    return tuple(sorted(found, key=lambda f: (-f.bytes, f.layer, f.rule)))


def _named(findings: tuple[Finding, ...]) -> str:
    """``; from IK102 cleanup-in-later-layer (3.00 MB, layer 1 → 2)`` ('' for none)."""
    if not findings:
        return ""
    shown = [
        f"{f.rule} {f.name} ({human_size(f.bytes)}, layer {f.layer} → {f.hidden_by})"
        for f in findings[:NAMED_FINDINGS]
    ]
    more = len(findings) - NAMED_FINDINGS
    if more > 0:
        shown.append(f"{more} more finding{'s' * (more != 1)}")
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"; from {listed}"


def _bytes(size: float) -> str:
    return f"{human_size(int(size))} ({int(size)} bytes)"


def check(analysis: Analysis, limits: Limits) -> tuple[Crossing, ...]:
    """The limits ``analysis`` crosses, in the order of :class:`Limits`."""
    out: list[Crossing] = []
    if limits.max_size is not None:
        compressed = analysis.total_size is not None
        size = analysis.total_size if compressed else analysis.total_uncompressed_size
        assert size is not None
        limit = limits.max_size
        if size > limit.value:
            which = "compressed" if compressed else "uncompressed: no compressed sizes known"
            out.append(
                Crossing(
                    "max-size",
                    limit.value,
                    size,
                    size - limit.value,
                    f"size {_bytes(size)[:-1]}, {which}) is over {limit.name('max-size')} "
                    f"{_bytes(limit.value)}{limit.where()} by {_bytes(size - limit.value)}",
                )
            )
    waste = waste_findings(analysis)
    named = _named(waste)
    if limits.max_wasted_bytes is not None:
        limit = limits.max_wasted_bytes
        wasted = analysis.wasted_bytes
        if wasted > limit.value:
            out.append(
                Crossing(
                    "max-wasted-bytes",
                    limit.value,
                    wasted,
                    wasted - limit.value,
                    f"wasted {_bytes(wasted)} is over {limit.name('max-wasted-bytes')} "
                    f"{_bytes(limit.value)}{limit.where()} by {_bytes(wasted - limit.value)}"
                    f"{named}",
                    waste,
                )
            )
    if limits.max_wasted_percent is not None:
        limit = limits.max_wasted_percent
        share = analysis.wasted_percent
        if share > limit.value:
            out.append(
                Crossing(
                    "max-wasted-percent",
                    limit.value,
                    share,
                    share - limit.value,
                    f"wasted {share:.2f}% of the content bytes written is over "
                    f"{limit.name('max-wasted-percent')} {limit.value:g}%{limit.where()} by "
                    f"{share - limit.value:.2f} percentage points{named}",
                    waste,
                )
            )
    if limits.min_efficiency is not None:
        limit = limits.min_efficiency
        efficiency = analysis.efficiency
        if efficiency < limit.value:
            out.append(
                Crossing(
                    "min-efficiency",
                    limit.value,
                    efficiency,
                    limit.value - efficiency,
                    f"efficiency {efficiency:.4f} is under {limit.name('min-efficiency')} "
                    f"{limit.value:g}{limit.where()} by {limit.value - efficiency:.4f}{named}",
                    waste,
                )
            )
    return tuple(out)
