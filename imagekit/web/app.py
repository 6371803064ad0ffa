"""The ASGI application (Starlette): routes, middleware, error pages.

URLs (repository names hold slashes; ``-`` can never be a name's component, so ``/-/``
separates the name from what follows, as GitLab does)::

    /                                   overview
    /r/NAME                             repository (?q=, ?sort=, ?page=)
    /r/NAME/-/tag/TAG                   image by tag
    /r/NAME/-/digest/DIGEST             image (or index, or artifact) by digest
    /r/NAME/-/diff?old=A&new=B          the diff of two tags or digests
    /r/NAME/-/trend.svg                 the size trend, drawn server-side
    /r/NAME/-/tag/TAG/delete            confirm, then POST: delete a tag (--allow-delete)
    /r/NAME/-/delete                    confirm, then POST: delete a repository
    /r/NAME/-/prune                     the prune preview
    /rules, /rules/ID                   the rule catalogue
    /static/style.css                   the one stylesheet (no script anywhere)
    /healthz                            "ok"

Middleware, outermost first: security headers on every answer, the Host header checked
(DNS rebinding), basic auth when ``--auth`` is given, the CSRF cookie. Every page runs in
a worker thread inside :func:`guarded`: an exception becomes the error page (its
traceback goes to the server's log, never to the page).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from imagekit.web import forms, imagepage, pages
from imagekit.web.render import STATIC, environment

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from imagekit.web.browser import Browser

LOG = logging.getLogger("imagekit.web")
#: The largest form body read.
MAX_FORM = 64 << 10
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


def valid_name(name: str) -> bool:
    return 0 < len(name) <= 255 and all(_COMPONENT.match(c) for c in name.split("/"))


def create_app(browser: Browser) -> Starlette:
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
    from starlette.templating import Jinja2Templates

    from imagekit.web.auth import BasicAuth
    from imagekit.web.security import CsrfCookie, SecurityHeaders

    settings = browser.settings

    def page(function: Callable[..., Response], *names: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            args = [request.path_params[n] for n in names]
            return await guarded(browser, request, function, *args)

        return endpoint

    async def health(request: Request) -> Response:
        from starlette.responses import PlainTextResponse

        return PlainTextResponse("ok\n")

    async def repository(request: Request) -> Response:
        return await dispatch(browser, request)

    async def http_error(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        heading = {404: "Not found", 405: "Method not allowed"}.get(code, "Error")
        message = {
            404: f"there is no page {request.url.path}",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(code, "the request failed")
        return pages.error_page(browser, request, code, heading, message)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        browser.accounting.status()  # the first reading starts with the server
        yield
        browser.close()

    routes = [
        Route("/", page(pages.overview)),
        Route("/healthz", health),
        Route("/rules", page(pages.rules)),
        Route("/rules/{rule_id}", page(pages.rule, "rule_id")),
        Route("/r/{rest:path}", repository, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.trusted_hosts)),
    ]
    if settings.users is not None:
        middleware.append(Middleware(BasicAuth, users=settings.users))
    middleware.append(Middleware(CsrfCookie))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.templates = Jinja2Templates(env=environment())
    app.state.browser = browser
    return app


async def guarded(
    browser: Browser, request: Request, function: Callable[..., Response], *args: Any
) -> Response:
    """``function(browser, request, *args)`` in a worker thread; the error page for any
    exception it raises."""
    from starlette.concurrency import run_in_threadpool

    try:
        return await run_in_threadpool(function, browser, request, *args)
    except Exception as exc:
        LOG.exception("%s %s failed", request.method, request.url.path)
        message = f"the page could not be made ({type(exc).__name__}); the server's log has more"
        return pages.error_page(browser, request, 500, "Something went wrong", message)


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the first value of each field); {}
    for any other body or one larger than :data:`MAX_FORM`."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    found: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        found.setdefault(key, value)
    return found


async def dispatch(browser: Browser, request: Request) -> Response:
    """The pages under ``/r/`` (see the module's doc)."""
    rest = str(request.path_params["rest"]).strip("/")
    name, sep, tail = rest.partition("/-/")
    post = request.method == "POST"
    form = await read_form(request) if post else None
    if not valid_name(name):
        return await guarded(browser, request, _missing, f"{name!r} is not a repository name")
    target: tuple[Callable[..., Response], tuple[Any, ...]] | None = None
    if not sep:
        target = (pages.repository, (name,))
    elif tail == "trend.svg":
        target = (pages.trend, (name,))
    elif tail == "diff":
        target = (imagepage.diff_page, (name,))
    elif tail == "prune":
        target = (forms.prune_preview, (name,))
    elif tail == "delete":
        target = (forms.repository_delete, (name, form))
    elif tail.startswith("tag/") and tail.endswith("/delete"):
        target = (forms.tag_delete, (name, tail[4 : -len("/delete")], form))
    elif tail.startswith("tag/"):
        target = (imagepage.image, (name, tail[4:]))
    elif tail.startswith("digest/"):
        target = (imagepage.image, (name, tail[7:]))
    if target is None:
        return await guarded(browser, request, _missing, f"there is no page {request.url.path}")
    function, args = target
    takes_post = function in (forms.repository_delete, forms.tag_delete)
    if post and not takes_post:
        return await guarded(browser, request, _not_allowed)
    return await guarded(browser, request, function, *args)


def _missing(browser: Browser, request: Request, message: str) -> Response:
    return pages.not_found(browser, request, message)


def _not_allowed(browser: Browser, request: Request) -> Response:
    message = f"POST is not allowed on {request.url.path}"
    return pages.error_page(browser, request, 405, "Method not allowed", message)
