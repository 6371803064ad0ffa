"""The action pages: delete a tag, delete a repository (each a confirmation page, then a
POST), and the prune preview.

They exist only when the UI runs with ``--allow-delete``; otherwise they answer 403 and
no page links to them. A POST must carry the form's CSRF token
(:mod:`imagekit.web.security`) and the confirmation — the tag's or the repository's name
typed again; without it nothing is deleted and the confirmation page is shown again.
"""

from __future__ import annotations

import shlex
import time
from typing import TYPE_CHECKING, Any

from imagekit.errors import ImagekitError
from imagekit.oci.digest import Digest
from imagekit.registry.errors import RegistryResponseError
from imagekit.web.actions import Moved, delete_repository, delete_tag
from imagekit.web.imagepage import TAG
from imagekit.web.pages import error_page, in_scope, not_found, render
from imagekit.web.security import FIELD, csrf_valid

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from imagekit.web.browser import Browser

#: Seconds a result page waits for the registry to be read again.
REREAD = 5.0


def refused(browser: Browser, request: Request) -> Response | None:
    """The 403 page when deletes are off, else None."""
    if browser.settings.allow_delete:
        return None
    return error_page(
        browser,
        request,
        403,
        "Deletes are off",
        "this UI was started without --allow-delete, so it deletes nothing",
        "start it with `imagekit registry ui --allow-delete` to delete tags and repositories",
    )


def forged(browser: Browser, request: Request, form: dict[str, str]) -> Response | None:
    """The 403 page when a POST lacks a valid CSRF token or comes from elsewhere."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    cookie = request.scope.get("state", {}).get("csrf_cookie")
    from imagekit.web.security import cookie_value

    sent = cookie_value(request.scope)
    valid = (
        sent is not None
        and sent == cookie
        and csrf_valid(
            browser.settings.secret,
            sent,
            form.get(FIELD),
            request.headers.get("origin"),
            request.headers.get("sec-fetch-site"),
            own,
        )
    )
    if valid:
        return None
    return error_page(
        browser,
        request,
        403,
        "Refused",
        "the form's security token is missing or does not match (CSRF protection): "
        "nothing was deleted",
        "open the page again from this UI and submit its form",
    )


def tag_delete(
    browser: Browser, request: Request, name: str, tag: str, form: dict[str, str] | None
) -> Response:
    """GET (``form`` None): the confirmation page; POST: the delete."""
    if (page := refused(browser, request)) is not None:
        return page
    if not in_scope(browser, name) or not TAG.match(tag):
        return not_found(browser, request, f"{name} has no tag {tag!r}")
    if form is not None and (page := forged(browser, request, form)) is not None:
        return page
    try:
        digest = browser.documents.resolve(name, tag)[0]
    except RegistryResponseError as exc:
        if exc.status == 404:
            return not_found(browser, request, f"{name} has no tag {tag}")
        return error_page(browser, request, 502, "The registry failed", exc.message)
    except ImagekitError as exc:
        return error_page(browser, request, 502, "The registry failed", exc.message)
    reading = browser.accounting.status().reading
    snapshot = reading.snapshot if reading is not None else None
    found = snapshot.repository(name) if snapshot is not None else None
    others = (
        sorted(t.tag for t in found.tags if t.digest == digest and t.tag != tag) if found else []
    )
    usage = reading.tag(name, tag) if reading is not None else None
    context: dict[str, Any] = {
        "what": "tag",
        "name": name,
        "tag": tag,
        "digest": digest,
        "others": others,
        "frees": usage.unique_bytes if usage is not None and usage.digest == digest else None,
        "expected": tag,
        "action": f"/r/{name}/-/tag/{tag}/delete",
        "message": "",
    }
    if form is None:
        return render(browser, request, "confirm.html", context)
    if form.get("confirm", "").strip() != tag:
        context["message"] = f"Type the tag name {tag} to confirm: nothing was deleted."
        return render(browser, request, "confirm.html", context, 400)
    try:
        confirmed = Digest.parse(form.get("digest", ""))
        result = delete_tag(browser.client, snapshot, name, tag, confirmed, others)
    except Moved as exc:
        return error_page(browser, request, 409, "The tag moved", exc.message, exc.hint)
    except ImagekitError as exc:
        return error_page(browser, request, 502, "Nothing was deleted", exc.message)
    return finished(browser, request, result, f"/r/{name}")


def repository_delete(
    browser: Browser, request: Request, name: str, form: dict[str, str] | None
) -> Response:
    if (page := refused(browser, request)) is not None:
        return page
    if not in_scope(browser, name):
        return not_found(browser, request, f"{name} is not under {browser.settings.prefix}/")
    if form is not None and (page := forged(browser, request, form)) is not None:
        return page
    reading = browser.accounting.status().reading
    usage = reading.repository(name) if reading is not None else None
    context: dict[str, Any] = {
        "what": "repository",
        "name": name,
        "tag": "",
        "digest": None,
        "others": [t.tag for t in usage.tags] if usage is not None else [],
        "frees": usage.unique_bytes if usage is not None else None,
        "expected": name,
        "action": f"/r/{name}/-/delete",
        "message": "",
    }
    if form is None:
        return render(browser, request, "confirm.html", context)
    if form.get("confirm", "").strip() != name:
        context["message"] = f"Type the repository name {name} to confirm: nothing was deleted."
        return render(browser, request, "confirm.html", context, 400)
    try:
        result = delete_repository(
            browser.client, reading.snapshot if reading is not None else None, name
        )
    except ImagekitError as exc:
        return error_page(browser, request, 502, "Nothing was deleted", exc.message)
    return finished(browser, request, result, "/")


def finished(browser: Browser, request: Request, result: Any, back: str) -> Response:
    browser.trends.forget(result.repository)
    status = browser.accounting.refresh(wait=REREAD)
    context = {"result": result, "back": back, "status": status}
    return render(browser, request, "deleted.html", context, 200 if not result.errors else 502)


def prune_preview(browser: Browser, request: Request, name: str) -> Response:
    """The prune preview of one repository: what a retention policy would delete and the
    bytes it would free; the command line that carries it out."""
    from imagekit.report.retention import Policy, parse_age, plan

    if (page := refused(browser, request)) is not None:
        return page
    if not in_scope(browser, name):
        return not_found(browser, request, f"{name} is not under {browser.settings.prefix}/")
    params = request.query_params
    context: dict[str, Any] = {
        "name": name,
        "keep_last": params.get("keep_last", "").strip(),
        "older_than": params.get("older_than", "").strip(),
        "keep_tag": params.get("keep_tag", "").strip(),
        "plan": None,
        "message": "",
        "command": "",
    }
    status = browser.accounting.status(wait=browser.settings.wait)
    context["status"] = status
    reading = status.reading
    if not context["keep_last"]:
        return render(browser, request, "prune.html", context)
    if reading is None or reading.repository(name) is None:
        context["message"] = "the registry has not been read yet; this page refreshes"
        context["refresh"] = 2
        return render(browser, request, "prune.html", context)
    try:
        keep_last = int(context["keep_last"])
        older = parse_age(context["older_than"]) if context["older_than"] else None
        globs = tuple(g for g in context["keep_tag"].split() if g)
        policy = Policy(keep_last, older, globs)
    except ValueError:
        context["message"] = f"keep last {context['keep_last']!r}: not a number"
        return render(browser, request, "prune.html", context, 400)
    except ImagekitError as exc:
        context["message"] = exc.message
        return render(browser, request, "prune.html", context, 400)
    try:
        records, _ = browser.trends.records(name)
    except ImagekitError:
        records = ()
    pushed = {(r.repository, r.digest): r.time for r in records}
    context["plan"] = plan(
        reading.snapshot, reading.usage, policy, [name], now=time.time(), pushed=pushed
    )
    target = f"{browser.settings.registry}/{name}"
    words = ["imagekit registry prune", shlex.quote(target), f"--keep-last {keep_last}"]
    if context["older_than"]:
        words.append(f"--older-than {shlex.quote(context['older_than'])}")
    words += [f"--keep-tag {shlex.quote(g)}" for g in globs]
    context["command"] = " ".join(words)
    return render(browser, request, "prune.html", context)
