"""The image page (by tag or by digest) and the diff page.

An image page shows what the manifest and the config say at once — layers with their
compressed size, ``created_by`` and the other repositories that share them, the config,
the platforms of an index, the blobs of an artifact — and the inspect analysis when it is
done (:class:`~imagekit.web.analysis.AnalysisStore`); until then it says that it runs and
refreshes itself. Whatever fails for one item is said beside that item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imagekit.analyze import diff
from imagekit.errors import ImageError, ImagekitError
from imagekit.oci.digest import Digest
from imagekit.registry.errors import RegistryResponseError
from imagekit.web.analysis import AnalysisState
from imagekit.web.documents import Document, Entry, Layer
from imagekit.web.pages import REFRESH, error_page, in_scope, not_found, render

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from imagekit.web.accounting import Reading
    from imagekit.web.browser import Browser

TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
#: Repositories named per shared layer (the rest counted).
SHARED_SHOWN = 5
#: Tags offered to diff against.
DIFF_CHOICES = 500
DEFAULT_PLATFORM = "linux/amd64"


@dataclass(frozen=True, slots=True)
class LayerRow:
    layer: Layer
    uncompressed: int | None
    shared: tuple[str, ...]
    more: int


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: Entry
    size: int | None
    problem: str = ""


class Missing(Exception):
    """What the URL names does not exist: a 404 page with this message."""


def resolve(browser: Browser, name: str, identifier: str) -> Digest:
    """The digest a tag (from the last reading, else the registry) or a digest names."""
    if identifier.startswith(("sha256:", "sha512:")):
        try:
            return Digest.parse(identifier)
        except ImageError:
            raise Missing(f"{identifier!r} is not a digest") from None
    if not TAG.match(identifier):
        raise Missing(f"{identifier!r} is not a tag name")
    reading = browser.accounting.status().reading
    if reading is not None:
        found = reading.snapshot.repository(name)
        ref = next((t for t in found.tags if t.tag == identifier), None) if found else None
        if ref is not None:
            return ref.digest
    try:
        return browser.documents.resolve(name, identifier)[0]
    except RegistryResponseError as exc:
        if exc.status == 404:
            raise Missing(f"{name} has no tag {identifier}") from None
        raise


def image(browser: Browser, request: Request, name: str, identifier: str) -> Response:
    settings = browser.settings
    if not in_scope(browser, name):
        return not_found(browser, request, f"{name} is not under {settings.prefix}/")
    try:
        digest = resolve(browser, name, identifier)
    except Missing as exc:
        return not_found(browser, request, str(exc))
    except ImagekitError as exc:
        return error_page(browser, request, 502, "The registry failed", exc.message)
    by_tag = not identifier.startswith(("sha256:", "sha512:"))
    status = browser.accounting.status()
    reading = status.reading
    context: dict[str, Any] = {
        "status": status,
        "name": name,
        "identifier": identifier,
        "by_tag": by_tag,
        "digest": digest,
        "pull": f"docker pull {settings.registry}/{name}{':' if by_tag else '@'}{identifier}",
        "tags": tags_naming(reading, name, digest),
        "choices": diff_choices(reading, name, identifier),
        "failure": "",
        "document": None,
        "analysis": None,
        "layers": [],
        "entries": [],
    }
    try:
        document = browser.documents.get(name, digest)
    except RegistryResponseError as exc:
        context["failure"] = exc.message
        code = 404 if exc.status == 404 else 502
        return render(browser, request, "image.html", context, code)
    except ImagekitError as exc:
        context["failure"] = exc.message
        return render(browser, request, "image.html", context, 502)
    context["document"] = document
    context["entries"] = entry_rows(browser, name, document)
    state = AnalysisState()
    if document.kind == "image":
        retry = "retry" in request.query_params
        state = browser.analyses.state(name, digest, wait=settings.wait, retry=retry)
    context["analysis"] = state
    if state.running_for is not None:
        context["refresh"] = REFRESH
    context["layers"] = layer_rows(document, state, reading, name)
    return render(browser, request, "image.html", context)


def layer_rows(
    document: Document, state: AnalysisState, reading: Reading | None, name: str
) -> list[LayerRow]:
    sizes = {}
    if state.analysis is not None:
        sizes = {r.index: r.uncompressed_size for r in state.analysis.layers}
    rows = []
    for layer in document.layers:
        others: tuple[str, ...] = ()
        if reading is not None:
            others = tuple(sorted(reading.sharing.get(layer.digest, frozenset()) - {name}))
        rows.append(
            LayerRow(
                layer,
                sizes.get(layer.index),
                others[:SHARED_SHOWN],
                max(0, len(others) - SHARED_SHOWN),
            )
        )
    return rows


def entry_rows(browser: Browser, name: str, document: Document) -> list[EntryRow]:
    rows = []
    for entry in document.entries:
        try:
            child = browser.documents.get(name, entry.digest)
        except ImagekitError as exc:
            rows.append(EntryRow(entry, None, exc.message))
            continue
        rows.append(EntryRow(entry, child.compressed_size + entry.size, "; ".join(child.problems)))
    return rows


def tags_naming(reading: Reading | None, name: str, digest: Digest) -> list[str]:
    if reading is None:
        return []
    found = reading.snapshot.repository(name)
    return sorted(t.tag for t in found.tags if t.digest == digest) if found else []


def diff_choices(reading: Reading | None, name: str, identifier: str) -> list[str]:
    if reading is None:
        return []
    found = reading.snapshot.repository(name)
    if found is None:
        return []
    return sorted(t.tag for t in found.tags if t.tag != identifier)[:DIFF_CHOICES]


# -- diff ---------------------------------------------------------------------------------


def image_of(browser: Browser, name: str, identifier: str, platform: str) -> Digest:
    """The image manifest ``identifier`` names: itself, or an index's entry for
    ``platform`` (else linux/amd64, else its only image). Missing or ImageError otherwise."""
    digest = resolve(browser, name, identifier)
    document = browser.documents.get(name, digest)
    if document.kind == "image":
        return digest
    if document.kind != "index":
        raise ImageError(f"{name}@{digest} is {document.artifact_type or 'not an image'}")
    images = [e for e in document.entries if not e.attestation]
    for wanted in (platform, DEFAULT_PLATFORM):
        found = next((e for e in images if wanted and e.platform == wanted), None)
        if found is not None:
            return found.digest
    if len(images) == 1:
        return images[0].digest
    platforms = ", ".join(e.platform or "?" for e in images)
    raise ImageError(f"{name}:{identifier} holds several images ({platforms}): choose a platform")


def diff_page(browser: Browser, request: Request, name: str) -> Response:
    settings = browser.settings
    if not in_scope(browser, name):
        return not_found(browser, request, f"{name} is not under {settings.prefix}/")
    old = request.query_params.get("old", "").strip()
    new = request.query_params.get("new", "").strip()
    platform = request.query_params.get("platform", "").strip()
    context: dict[str, Any] = {
        "name": name,
        "old": old,
        "new": new,
        "failure": "",
        "result": None,
        "running": [],
    }
    if not old or not new:
        context["failure"] = "name two tags or digests of this repository to compare"
        return render(browser, request, "diff.html", context, 400)
    try:
        digests = [image_of(browser, name, ident, platform) for ident in (old, new)]
    except Missing as exc:
        return not_found(browser, request, str(exc))
    except ImagekitError as exc:
        context["failure"] = exc.message
        return render(browser, request, "diff.html", context, 502)
    retry = "retry" in request.query_params
    states = [browser.analyses.state(name, d, wait=settings.wait, retry=retry) for d in digests]
    failed = [s.error for s in states if s.error]
    if failed:
        context["failure"] = "; ".join(e for e in failed if e)
        return render(browser, request, "diff.html", context, 502)
    if any(s.analysis is None for s in states):
        context["running"] = [
            ident for ident, s in zip((old, new), states, strict=True) if s.analysis is None
        ]
        context["refresh"] = REFRESH
        return render(browser, request, "diff.html", context)
    old_analysis, new_analysis = (s.analysis for s in states)
    assert old_analysis is not None and new_analysis is not None
    context["result"] = diff(old_analysis, new_analysis)
    context["counts"] = dict(context["result"].counts)
    return render(browser, request, "diff.html", context)
