"""Registry configuration files as YAML text, with comments that say why.

A config is a nested mapping; a key starting with ``#`` is a comment at that place (its
value is ignored), wrapped to lines of 88 characters. Scalars are written as JSON scalars, which YAML reads the same.
The sections both configs share (delete, redirect, upload purging, health checks) are
here; :mod:`imagekit.services.distribution` renders the embedded registry's config and
:mod:`imagekit.services.production` the one a team deploys.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any

Tree = Mapping[str, Any]


def render(tree: Tree) -> str:
    """``tree`` as YAML text."""
    return "".join(_lines(tree, 0))


def _lines(tree: Tree, depth: int) -> list[str]:
    pad = "  " * depth
    out: list[str] = []
    for key, value in tree.items():
        if key.startswith("#"):
            text = key.removeprefix("#").strip()
            out.extend(f"{pad}# {line}\n" for line in textwrap.wrap(text, 86 - len(pad)))
        elif isinstance(value, Mapping):
            out.append(f"{pad}{key}:\n")
            out.extend(_lines(value, depth + 1))
        elif isinstance(value, list | tuple):
            out.append(f"{pad}{key}:\n")
            for item in value:
                if isinstance(item, Mapping):
                    nested = _lines(item, depth + 2)
                    out.append(f"{pad}  - {nested[0].lstrip()}")
                    out.extend(nested[1:])
                else:
                    out.append(f"{pad}  - {_scalar(item)}\n")
        else:
            out.append(f"{pad}{key}: {_scalar(value)}\n")
    return out


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)
    raise TypeError(f"not a YAML scalar: {type(value).__name__}")


#: Why the embedded registry does not purge uploads itself.
NO_PURGING = (
    "No upload purging: SeaweedFS lists the _uploads folders as keys ending in '/', and "
    "distribution 2.8's purger indexes the empty name after the last '/' and panics, which "
    "stops the whole registry (seen here). `imagekit registry gc` removes abandoned uploads."
)


def storage_extras(
    *, redirect: bool, why_redirect: str, purge_uploads: bool = True
) -> dict[str, Any]:
    """delete, redirect, maintenance: the storage keys beside the driver."""
    if purge_uploads:
        maintenance: dict[str, Any] = {
            "# Uploads abandoned for a week are removed (checked once a day).": None,
            "uploadpurging": {"enabled": True, "age": "168h", "interval": "24h", "dryrun": False},
        }
    else:
        maintenance = {f"# {NO_PURGING}": None, "uploadpurging": {"enabled": False}}
    return {
        "# Deleting manifests and blobs through the API (cleanup, garbage collection).": None,
        "delete": {"enabled": True},
        f"# {why_redirect}": None,
        "redirect": {"disable": not redirect},
        "maintenance": maintenance,
    }


def health() -> dict[str, Any]:
    """The storage-driver health check: after 3 failed checks 10 s apart every request,
    including ``GET /``, answers 503 until the storage answers again."""
    return {
        "# Every 10 s the registry checks its storage; after 3 failures in a row every "
        "request (also GET /, the load balancer's check) answers 503 until it recovers.": None,
        "storagedriver": {"enabled": True, "interval": "10s", "threshold": 3},
    }
