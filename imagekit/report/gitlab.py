"""Merge-request comments on GitLab: the notes API (REST v4).

- ``GET /projects/:id/merge_requests/:iid/notes?sort=asc&order_by=created_at&per_page=100``,
  pages by ``Link: rel="next"`` (``X-Next-Page`` when there is no Link);
- ``PUT /projects/:id/merge_requests/:iid/notes/:note_id`` and
  ``POST /projects/:id/merge_requests/:iid/notes``, body ``{"body": "..."}``;
- ``GET /projects/:id/merge_requests/:iid`` for the merge request's ``web_url`` (a note's
  address is that URL with ``#note_ID``; notes carry none of their own);
- ``GET /user`` for who the token is (a project or group access token is its bot user).

``:id`` is the numeric project id or its URL-encoded path (``group%2Fapp``). The token goes
in ``PRIVATE-TOKEN``: a personal, project or group access token with the ``api`` scope.
The CI/CD job token (``CI_JOB_TOKEN``, header ``JOB-TOKEN``) cannot be used: GitLab lists
the endpoints a job token may call, and the notes and merge-request endpoints are not among
them (it is answered 401/403), so it is not tried. Rate limits: 429 with ``Retry-After``
(or ``RateLimit-Reset``, epoch seconds).
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

API_URL = "https://gitlab.com/api/v4"
#: GitLab's limit on a note's length, in characters.
COMMENT_LIMIT = 1_000_000
RATE_LIMIT_WAIT = 60.0


def rate_limit(answer: Answer, now: float) -> float | None:
    """Seconds to wait when ``answer`` is GitLab's rate limit (429), else None."""
    if answer.status != 429:
        return None
    after = retry_after(answer, now)
    if after is not None:
        return after
    reset = until_reset(answer.header("RateLimit-Reset"), now)
    return RATE_LIMIT_WAIT if reset is None else reset


class GitLab:
    """The notes of merge request ``iid`` of ``project`` (numeric id or ``group/name`` path)."""

    name = "GitLab"
    limit = COMMENT_LIMIT

    def __init__(
        self,
        project: str,
        iid: int,
        *,
        token: str,
        token_name: str = "GITLAB_TOKEN",
        api_url: str = API_URL,
        transport: Transport | None = None,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.project = project
        self.iid = iid
        self.token_name = token_name
        self.api = Api(
            name=self.name,
            base_url=api_url.rstrip("/"),
            headers={"Accept": "application/json", "User-Agent": user_agent()},
            rate_limit=rate_limit,
            explain=self._explain,
            transport=transport or Transport(),
            max_wait=max_wait,
            clock=clock,
            sleep=sleep,
            auth_header="PRIVATE-TOKEN",
            auth_value=token,
        )
        encoded = urllib.parse.quote(project, safe="")
        self._mr_path = f"/projects/{encoded}/merge_requests/{iid}"
        self._web_url: str | None = None

    def __repr__(self) -> str:
        return f"GitLab({self.project!r}, {self.iid}, api_url={self.api.base_url!r})"

    @property
    def where(self) -> str:
        return f"{self.project}!{self.iid}"

    def me(self) -> str | None:
        answer = self.api.call(
            "GET", self.api.url("/user"), "asking GitLab who the token is", allow=frozenset({403})
        )
        if answer.status != 200 or not isinstance(answer.data, dict):
            return None
        name = answer.data.get("username")
        return name if isinstance(name, str) else None

    def comments(self) -> Iterator[Comment]:
        what = f"listing the notes of {self.where}"
        for answer in self.api.pages(self._notes_url(listing=True), what):
            for item in json_list(answer, what):
                yield _note(item)

    def create(self, body: str) -> Posted:
        what = f"commenting on {self.where}"
        answer = self.api.call("POST", self._notes_url(), what, {"body": body})
        return self._posted(json_object(answer, what), what)

    def update(self, comment_id: int, body: str) -> Posted:
        what = f"updating note {comment_id} on {self.where}"
        url = self.api.url(f"{self._mr_path}/notes/{comment_id}")
        answer = self.api.call("PUT", url, what, {"body": body})
        return self._posted(json_object(answer, what), what)

    def plan(self, body: str) -> Plan:
        return Plan(
            requests=(
                ("GET", self.api.url("/user"), "who the token is"),
                ("GET", self._notes_url(listing=True), "the notes, page by page, for ours"),
                ("PUT", self.api.url(f"{self._mr_path}/notes/{{id}}"), "when one is ours: edit it"),
                ("POST", self._notes_url(), "else: a new note"),
                ("GET", self.api.url(self._mr_path), "the merge request's web address"),
            ),
            headers=self.api.shown_headers(with_body=True),
            body=body,
        )

    def _notes_url(self, listing: bool = False) -> str:
        path = f"{self._mr_path}/notes"
        if not listing:
            return self.api.url(path)
        return self.api.url(path, sort="asc", order_by="created_at", per_page=100)

    def _posted(self, data: dict[str, Any], what: str) -> Posted:
        note_id = data.get("id")
        if not isinstance(note_id, int):
            raise PublishError(f"{what}: GitLab's answer has no note id")
        if self._web_url is None:
            asked = f"reading merge request {self.where}"
            found = json_object(self.api.call("GET", self.api.url(self._mr_path), asked), asked)
            web_url = found.get("web_url")
            if not isinstance(web_url, str):
                raise PublishError(f"{asked}: GitLab's answer has no web_url")
            self._web_url = web_url
        return Posted(note_id, f"{self._web_url}#note_{note_id}")

    def _explain(self, answer: Answer, what: str) -> PublishError:
        said = answer.message()
        said_part = f" ({said})" if said else ""
        if answer.status == 401:
            return PublishError(
                f"{what}: GitLab answered 401: the token was refused{said_part}",
                hint=f"check {self.token_name}: it may be mistyped, expired or revoked",
            )
        if answer.status == 403:
            return PublishError(
                f"{what}: GitLab answered 403: the token may not comment here{said_part}",
                hint="use a project access token with the api scope and at least the Reporter role",
            )
        if answer.status == 404:
            return PublishError(
                f"{what}: GitLab answered 404: no project {self.project} with merge request "
                f"!{self.iid}, or the token cannot see it",
                hint="check --repo (or CI_PROJECT_ID) and --pr (or CI_MERGE_REQUEST_IID)",
            )
        return PublishError(f"{what}: GitLab answered {answer.status}{said_part}")


def _note(item: dict[str, Any]) -> Comment:
    raw_author = item.get("author")
    author: dict[str, Any] = raw_author if isinstance(raw_author, dict) else {}
    body = item.get("body")
    return Comment(
        id=int(item.get("id") or 0),
        body=body if isinstance(body, str) else "",
        author=str(author.get("username") or ""),
        bot=None,
        system=bool(item.get("system")),
    )
