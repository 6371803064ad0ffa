"""Pull-request comments on GitHub (and GitHub Enterprise Server): the REST API v3
issue-comment endpoints, since every pull request is an issue.

- ``GET /repos/{owner}/{repo}/issues/{n}/comments?per_page=100``, ascending ids, pages
  linked by ``Link: <...>; rel="next"``;
- ``PATCH /repos/{owner}/{repo}/issues/comments/{id}`` and
  ``POST /repos/{owner}/{repo}/issues/{n}/comments``, body ``{"body": "..."}``;
- ``GET /user``: who the token is; GitHub Actions' ``GITHUB_TOKEN`` (an app token) is
  refused there with 403, which means "not known" (:mod:`imagekit.report.comment`).

Every request sends ``Authorization: Bearer TOKEN``, ``Accept: application/vnd.github+json``,
``X-GitHub-Api-Version: 2022-11-28`` and a User-Agent. Rate limits: a 403 or 429 with
``Retry-After``, or with ``X-RateLimit-Remaining: 0`` (wait until ``X-RateLimit-Reset``),
or a 429 / a "secondary rate limit" message without either (wait a minute), as GitHub's
"Rate limits for the REST API" says.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from imagekit.errors import PublishError
from imagekit.registry.transport import Transport
from imagekit.report.comment import Comment, Plan, Posted
from imagekit.report.forgeapi import (
    Answer,
    Api,
    json_list,
    json_object,
    retry_after,
    until_reset,
    user_agent,
)

API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
#: GitHub refuses comment bodies longer than this many characters.
COMMENT_LIMIT = 65536
#: The wait for a secondary rate limit that names no time ("at least one minute").
SECONDARY_WAIT = 60.0


def rate_limit(answer: Answer, now: float) -> float | None:
    """Seconds to wait when ``answer`` is GitHub's rate limit, None when it is not one."""
    if answer.status not in (403, 429):
        return None
    after = retry_after(answer, now)
    if after is not None:
        return after
    if answer.header("X-RateLimit-Remaining") == "0":
        reset = until_reset(answer.header("X-RateLimit-Reset"), now)
        return SECONDARY_WAIT if reset is None else reset
    if answer.status == 429 or "rate limit" in answer.message().lower():
        return SECONDARY_WAIT
    return None


class GitHub:
    """The comments of pull request ``number`` of ``repo`` (``OWNER/NAME``)."""

    name = "GitHub"
    limit = COMMENT_LIMIT

    def __init__(
        self,
        repo: str,
        number: int,
        *,
        token: str,
        token_name: str = "GITHUB_TOKEN",
        api_url: str = API_URL,
        transport: Transport | None = None,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.repo = repo
        self.number = number
        self.token_name = token_name
        self.api = Api(
            name=self.name,
            base_url=api_url.rstrip("/"),
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": user_agent(),
            },
            rate_limit=rate_limit,
            explain=self._explain,
            transport=transport or Transport(),
            max_wait=max_wait,
            clock=clock,
            sleep=sleep,
            auth_header="Authorization",
            auth_value=f"Bearer {token}" if token else "",
        )
        owner, _, name = repo.partition("/")
        self._repo_path = f"/repos/{_quote(owner)}/{_quote(name)}"

    def __repr__(self) -> str:
        return f"GitHub({self.repo!r}, {self.number}, api_url={self.api.base_url!r})"

    @property
    def where(self) -> str:
        return f"{self.repo}#{self.number}"

    def me(self) -> str | None:
        answer = self.api.call(
            "GET",
            self.api.url("/user"),
            "asking GitHub who the token is",
            allow=frozenset({403, 404}),
        )
        if answer.status != 200 or not isinstance(answer.data, dict):
            return None
        login = answer.data.get("login")
        return login if isinstance(login, str) else None

    def comments(self) -> Iterator[Comment]:
        what = f"listing the comments of {self.where}"
        for answer in self.api.pages(self._list_url(), what):
            for item in json_list(answer, what):
                yield _comment(item)

    def create(self, body: str) -> Posted:
        what = f"commenting on {self.where}"
        answer = self.api.call("POST", self._list_url(per_page=False), what, {"body": body})
        return _posted(json_object(answer, what), what)

    def update(self, comment_id: int, body: str) -> Posted:
        what = f"updating comment {comment_id} on {self.where}"
        answer = self.api.call("PATCH", self._comment_url(comment_id), what, {"body": body})
        return _posted(json_object(answer, what), what)

    def plan(self, body: str) -> Plan:
        return Plan(
            requests=(
                ("GET", self.api.url("/user"), "who the token is"),
                ("GET", self._list_url(), "the comments, page by page, for ours"),
                ("PATCH", self._comment_url("{id}"), "when one is ours: edit it"),
                ("POST", self._list_url(per_page=False), "else: a new comment"),
            ),
            headers=self.api.shown_headers(with_body=True),
            body=body,
        )

    def _list_url(self, per_page: bool = True) -> str:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        return self.api.url(path, per_page=100) if per_page else self.api.url(path)

    def _comment_url(self, comment_id: int | str) -> str:
        return self.api.url(f"{self._repo_path}/issues/comments/{comment_id}")

    def _explain(self, answer: Answer, what: str) -> PublishError:
        said = answer.message()
        said_part = f" ({said})" if said else ""
        if answer.status == 401:
            return PublishError(
                f"{what}: GitHub answered 401: the token was refused{said_part}",
                hint=f"check {self.token_name}: it may be mistyped, expired or revoked",
            )
        if answer.status == 403:
            return PublishError(
                f"{what}: GitHub answered 403: the token lacks the permission to comment"
                f"{said_part}",
                hint="give the job `permissions: pull-requests: write` (or `issues: write`); "
                "a fine-grained token needs Pull requests read and write",
            )
        if answer.status == 404:
            return PublishError(
                f"{what}: GitHub answered 404: no repository {self.repo} with pull request "
                f"#{self.number}, or the token cannot see it",
                hint="check --repo and --pr, and that the token may read the repository",
            )
        return PublishError(f"{what}: GitHub answered {answer.status}{said_part}")


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _comment(item: dict[str, Any]) -> Comment:
    raw_user = item.get("user")
    user: dict[str, Any] = raw_user if isinstance(raw_user, dict) else {}
    body = item.get("body")
    return Comment(
        id=int(item.get("id") or 0),
        body=body if isinstance(body, str) else "",
        author=str(user.get("login") or ""),
        bot=user.get("type") == "Bot",
    )


def _posted(data: dict[str, Any], what: str) -> Posted:
    comment_id, url = data.get("id"), data.get("html_url")
    if not isinstance(comment_id, int) or not isinstance(url, str):
        raise PublishError(f"{what}: GitHub's answer has no comment id and html_url")
    return Posted(comment_id, url)
