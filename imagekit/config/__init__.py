"""Run-time configuration.

This is the only module that reads environment variables; everything else receives a
:class:`Config` (or values taken from it) as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

_TRUE = frozenset({"1", "true", "yes", "on"})


class Config(NamedTuple):
    """Settings that do not come from command-line flags."""

    #: Show tracebacks for internal errors instead of one line (``IMAGEKIT_DEBUG=1``).
    debug: bool = False
    #: Never colour output (``NO_COLOR`` set to anything non-empty).
    no_color: bool = False


def from_env(environ: Mapping[str, str]) -> Config:
    """Build a :class:`Config` from an environment mapping such as ``os.environ``."""
    return Config(
        debug=environ.get("IMAGEKIT_DEBUG", "").strip().lower() in _TRUE,
        no_color=bool(environ.get("NO_COLOR", "")),
    )
