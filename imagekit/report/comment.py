"""The sticky pull-request comment: one comment per report, found again by a hidden marker
and edited in place on every run, created only when there is none.

Which earlier comment is ours:

- its body starts with the marker line (``<!-- imagekit:size-report -->``, or
  ``<!-- imagekit:NAME -->`` for ``--marker NAME``): a comment that merely quotes the
  marker, in a code block or further down, is someone else's;
- and it was written by the token's user when the forge says who that is (GitHub and
  GitLab answer ``GET /user`` for personal and project tokens). GitHub Actions'
  ``GITHUB_TOKEN`` and other app tokens may not ask; their comments are written by a bot
  account, so then only comments by bots are taken. A comment by a person is never edited;
- the first such comment (the oldest) is updated; later duplicates are left alone.

:class:`Forge` is all this needs of GitHub (:mod:`imagekit.report.github`) or GitLab
(:mod:`imagekit.report.gitlab`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from imagekit.errors import UsageError

DEFAULT_MARKER = "size-report"
_MARKER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")


@dataclass(frozen=True)
class Comment:
    """A comment as listed: its id, body and author (``bot``: None when the forge cannot say)."""

    id: int
    body: str
    author: str
    bot: bool | None = None
    system: bool = False


@dataclass(frozen=True)
class Posted:
    """What the forge answered to a create or an update: the comment's id and web address."""

    id: int
    url: str


@dataclass(frozen=True)
class Outcome:
    """The result of :func:`post_sticky`: ``created`` or ``updated``, the id and URL."""

    action: str
    id: int
    url: str


@dataclass(frozen=True)
class Plan:
    """What a dry run would send: the requests (method, URL, what for), the headers (the
    token hidden) and the comment body."""

    requests: tuple[tuple[str, str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: str


class Forge(Protocol):
    """A pull request (or merge request) on a forge, as far as comments go."""

    #: "GitHub" or "GitLab", for messages.
    name: str
    #: The longest comment body the forge takes, in characters.
    limit: int

    def me(self) -> str | None:
        """The token's user name, None when the forge does not say for this token."""

    def comments(self) -> Iterator[Comment]:
        """The comments of the pull request, oldest first, page by page."""

    def create(self, body: str) -> Posted: ...

    def update(self, comment_id: int, body: str) -> Posted: ...

    def plan(self, body: str) -> Plan:
        """The requests :func:`post_sticky` would send, without sending any."""


def marker(name: str = DEFAULT_MARKER) -> str:
    """The hidden first line that marks the comment of report ``name``."""
    if not _MARKER_NAME.fullmatch(name) or "--" in name:
        raise UsageError(
            f"bad marker name {name!r}",
            hint="letters, digits and . _ : / - (no '--'), starting with a letter or digit",
        )
    return f"<!-- imagekit:{name} -->"


def is_ours(comment: Comment, mark: str, me: str | None) -> bool:
    """Whether ``comment`` is the one to update (the rules in this module's docstring)."""
    if comment.system or not comment.body.startswith(mark):
        return False
    rest = comment.body[len(mark) :]
    if rest and rest[0] not in "\r\n":
        return False
    if me is not None:
        return comment.author == me
    return comment.bot is not False


def compose(mark: str, report: str, limit: int, forge: str) -> str:
    """The comment body: the marker line, then ``report``, cut to ``limit`` characters with
    a note when it is longer (at a line end, an open code fence closed)."""
    report = report.strip("\n")
    body = f"{mark}\n{report}\n"
    if len(body) <= limit:
        return body
    note = (
        f"\n\n**Report truncated**: it is {len(report):,} characters, more than "
        f"{forge}'s comment limit of {limit:,}. The full report is in the job's log or "
        "summary.\n"
    )
    room = limit - len(mark) - 1 - len(note) - len("\n```")
    kept = report[: max(0, room)]
    if "\n" in kept:
        kept = kept[: kept.rindex("\n")]
    if kept.count("```") % 2:
        kept += "\n```"
    return f"{mark}\n{kept}{note}"


def find_ours(forge: Forge, mark: str) -> Comment | None:
    """The earlier comment marked ``mark`` that is ours, None when there is none."""
    me = forge.me()
    return next((c for c in forge.comments() if is_ours(c, mark, me)), None)


def post_sticky(forge: Forge, report: str, name: str = DEFAULT_MARKER) -> Outcome:
    """Update our earlier comment marked ``name`` with ``report``, else create one."""
    mark = marker(name)
    body = compose(mark, report, forge.limit, forge.name)
    found = find_ours(forge, mark)
    if found is None:
        posted = forge.create(body)
        return Outcome("created", posted.id, posted.url)
    posted = forge.update(found.id, body)
    return Outcome("updated", posted.id, posted.url)


def dry_run(forge: Forge, report: str, name: str = DEFAULT_MARKER) -> Plan:
    """What :func:`post_sticky` would send; nothing is sent."""
    mark = marker(name)
    return forge.plan(compose(mark, report, forge.limit, forge.name))
