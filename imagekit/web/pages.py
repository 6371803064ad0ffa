"""The reading pages: overview, repository, trend chart, rule. Each takes the
:class:`~imagekit.web.browser.Browser` and the request and returns a response; they run
in worker threads (the registry client blocks).

A page never waits long for the registry: it shows the accounting's last reading, or,
before the first one, a page that says it is being computed and refreshes itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from imagekit.errors import ImagekitError, UsageError
from imagekit.oci.digest import Digest
from imagekit.registry.errors import RegistryResponseError
from imagekit.registry.snapshot import ItemError, Snapshot
from imagekit.report.trend import trend_rows
from imagekit.web.accounting import Status, repositories_under
from imagekit.web.growth import TagChange, tag_changes

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from imagekit.report.usage import TagUsage
    from imagekit.web.browser import Browser

#: Seconds between the refreshes of a page that waits for something.
REFRESH = 2
BIGGEST = 10
#: Repositories per page of the overview.
REPOSITORIES = 100
SORTS = (("created", "newest first"), ("size", "largest first"), ("name", "by name"))


def render(
    browser: Browser,
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    """The page ``template`` with the context every page has (settings, CSRF token)."""
    from imagekit.web.security import csrf_token

    templates = request.app.state.templates
    cookie = request.scope.get("state", {}).get("csrf_cookie", "")
    base: dict[str, Any] = {
        "ui": browser.settings,
        "status": None,
        "refresh": None,
        "csrf": csrf_token(browser.settings.secret, cookie) if cookie else "",
    }
    base.update(context)
    response: Response = templates.TemplateResponse(
        request, template, base, status_code=status_code
    )
    return response


def error_page(
    browser: Browser,
    request: Request,
    status_code: int,
    heading: str,
    message: str,
    hint: str | None = None,
) -> Response:
    context = {"heading": heading, "message": message, "hint": hint}
    return render(browser, request, "error.html", context, status_code)


def item_line(error: ItemError) -> str:
    """An item that could not be read, in one line (its name once)."""
    if error.repository in error.message:
        return f"{error.kind}: {error.message}"
    return f"{error.where} ({error.kind}): {error.message}"


def waiting(browser: Browser, request: Request, status: Status) -> Response:
    """The page shown until the first reading is done."""
    context = {"status": status, "refresh": REFRESH}
    return render(browser, request, "computing.html", context, 200)


# -- overview ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepositoryRow:
    usage: Any
    share: float
    width: int
    """The share in steps of 5% (a CSS class: no inline style under the CSP)."""


def overview(browser: Browser, request: Request) -> Response:
    status = browser.accounting.status(wait=browser.settings.wait)
    reading = status.reading
    if reading is None:
        if status.failure:
            return error_page(
                browser,
                request,
                503,
                "The registry cannot be read",
                status.failure,
                "check that the registry runs and that the UI may read it; this page "
                "tries again when reloaded",
            )
        return waiting(browser, request, status)
    usage = reading.usage
    total = usage.total_bytes
    ordered = sorted(usage.repositories, key=lambda r: (-r.referenced_bytes, r.name))
    page, pages = paging(request, len(ordered), REPOSITORIES)
    rows = []
    for repository in ordered[(page - 1) * REPOSITORIES : page * REPOSITORIES]:
        share = repository.referenced_bytes / total if total else 0.0
        rows.append(RepositoryRow(repository, share, min(20, round(share * 20))))
    tags = [t for r in usage.repositories for t in r.tags]
    biggest = sorted(tags, key=lambda t: (-t.compressed_size, t.repository, t.tag))[:BIGGEST]
    problems = [item_line(e) for e in usage.errors] + list(reading.warnings)
    context = {
        "status": status,
        "usage": usage,
        "rows": rows,
        "biggest": biggest,
        "growth": reading.growth,
        "ledger": browser.trends.ledger is not None,
        "problems": problems,
        "page": page,
        "pages": pages,
    }
    return render(browser, request, "overview.html", context)


# -- repository ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformRow:
    platform: str
    digest: Digest
    size: int


@dataclass(frozen=True, slots=True)
class TagRow:
    tag: str
    usage: TagUsage | None
    change: TagChange | None
    platforms: tuple[PlatformRow, ...] = ()
    problem: str = ""


def platform_rows(snapshot: Snapshot, digest: Digest) -> tuple[PlatformRow, ...]:
    """The images of an index (attestations left out): platform, digest, compressed size."""
    root = snapshot.nodes.get(digest)
    if root is None or not root.children:
        return ()
    rows = []
    for child in root.children:
        if child.platform == "unknown/unknown":
            continue
        size = child.blob.size + sum(
            b.size
            for b in snapshot.blobs_of(child.blob.digest).values()
            if b.digest != child.blob.digest
        )
        rows.append(PlatformRow(child.platform, child.blob.digest, size))
    return tuple(rows)


def in_scope(browser: Browser, name: str) -> bool:
    return bool(repositories_under([name], browser.settings.prefix))


def repository(browser: Browser, request: Request, name: str) -> Response:
    settings = browser.settings
    if not in_scope(browser, name):
        return not_found(browser, request, f"{name} is not under {settings.prefix}/")
    status = browser.accounting.status(wait=settings.wait)
    reading = status.reading
    usage = reading.repository(name) if reading is not None else None
    problems: list[str] = []
    if reading is not None:
        problems += [item_line(e) for e in reading.usage.errors if e.repository == name]
    by_tag: dict[str, TagUsage] = {t.tag: t for t in usage.tags} if usage is not None else {}
    names = list(by_tag)
    if usage is None:
        try:
            names = browser.client.tags(name)
        except RegistryResponseError as exc:
            if exc.status == 404:
                return not_found(browser, request, f"the registry has no repository {name}")
            problems.append(f"{name} (tags): {exc.message}")
        except ImagekitError as exc:
            problems.append(f"{name} (tags): {exc.message}")
    records: tuple[Any, ...] = ()
    try:
        records, warnings = browser.trends.records(name)
        problems += warnings
    except ImagekitError as exc:
        problems.append(f"size ledger: {exc.message}")
    changes = tag_changes(records)

    query = request.query_params.get("q", "").strip()[:128]
    sort = request.query_params.get("sort", "created")
    if sort not in dict(SORTS):
        sort = "created"
    matched = [t for t in names if query in t] if query else list(names)
    if sort == "name" or not by_tag:
        matched.sort()
    elif sort == "size":
        matched.sort(key=lambda t: (-by_tag[t].compressed_size if t in by_tag else 0, t))
    else:
        matched.sort(key=lambda t: (by_tag[t].created if t in by_tag else "", t), reverse=True)
    page, pages = paging(request, len(matched), settings.page_size)
    shown = matched[(page - 1) * settings.page_size : page * settings.page_size]
    rows = []
    for tag in shown:
        found = by_tag.get(tag)
        platforms = (
            platform_rows(reading.snapshot, found.digest)
            if found is not None and reading is not None
            else ()
        )
        rows.append(TagRow(tag, found, changes.get(tag), platforms))
    pull_tag = "latest" if "latest" in names else (matched[0] if matched else "")

    def page_url(number: int) -> str:
        params = {k: v for k, v in (("q", query), ("sort", sort)) if v}
        params["page"] = str(number)
        return f"/r/{name}?{urlencode(params)}"

    context = {
        "status": status,
        "name": name,
        "repo": usage,
        "rows": rows,
        "total": len(names),
        "matched": len(matched),
        "page": page,
        "pages": pages,
        "page_url": page_url,
        "q": query,
        "sort": sort,
        "sorts": SORTS,
        "pull": f"docker pull {settings.registry}/{name}:{pull_tag}" if pull_tag else "",
        "problems": problems,
        "chart": any(r.compressed_size is not None for r in records),
        "pushes": list(reversed(trend_rows(records)))[:10],
    }
    return render(browser, request, "repository.html", context)


def paging(request: Request, count: int, size: int) -> tuple[int, int]:
    """(the page asked for, clamped; the number of pages)."""
    pages = max(1, -(-count // size))
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 1
    return min(max(page, 1), pages), pages


def trend(browser: Browser, request: Request, name: str) -> Response:
    from starlette.responses import Response

    if not in_scope(browser, name):
        return not_found(browser, request, f"{name} is not under {browser.settings.prefix}/")
    try:
        svg = browser.trends.chart(name)
    except (ImagekitError, UsageError) as exc:
        return error_page(browser, request, 503, "No chart", exc.message)
    if svg is None:
        return not_found(browser, request, f"no recorded push of {name} has a known size")
    return Response(svg, media_type="image/svg+xml")


# -- rules ------------------------------------------------------------------------------


def rules(browser: Browser, request: Request) -> Response:
    return render(browser, request, "rules.html", {"rules": list(browser.catalog)})


def rule(browser: Browser, request: Request, rule_id: str) -> Response:
    try:
        found = browser.catalog.lookup(rule_id)
    except ImagekitError:
        return not_found(browser, request, f"there is no rule {rule_id}")
    return render(browser, request, "rule.html", {"rule": found})


def not_found(browser: Browser, request: Request, message: str) -> Response:
    return error_page(browser, request, 404, "Not found", message)
