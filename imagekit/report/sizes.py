"""Sizes for people: decimal units (1 kB = 1000 bytes), as registries and ``docker images`` show.

Reports print sizes with three significant digits (``512 B``, ``1.23 kB``, ``45.6 MB``);
JSON always carries exact byte counts.
"""

from __future__ import annotations

_UNITS = ("kB", "MB", "GB", "TB", "PB")


def human_size(size: int) -> str:
    """``size`` bytes with a decimal unit: ``0 B``, ``999 B``, ``1.00 kB``, ``12.3 MB``."""
    if size < 0:
        return "-" + human_size(-size)
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in _UNITS:
        value /= 1000
        if value < 999.5 or unit == _UNITS[-1]:
            if value < 9.995:
                return f"{value:.2f} {unit}"
            if value < 99.95:
                return f"{value:.1f} {unit}"
            return f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def human_delta(delta: int) -> str:
    """A signed size change: ``+1.20 MB``, ``-512 B``, ``0 B``."""
    if delta > 0:
        return "+" + human_size(delta)
    return human_size(delta)


def optional_size(size: int | None, missing: str = "unknown") -> str:
    return missing if size is None else human_size(size)


def percent(fraction: float) -> str:
    """A 0..1 fraction as a percentage with one decimal: ``97.4%``."""
    return f"{100 * fraction:.1f}%"
