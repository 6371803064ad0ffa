"""JSON over HTTPS to a forge's REST API (GitHub, GitLab): the token kept out of sight,
rate limits waited out within a bound, pages followed.

Requests go through :class:`imagekit.registry.transport.Transport` with its own retries
turned off (``attempts=1``): its retry loop caps ``Retry-After`` at a few seconds and knows
nothing of GitHub's ``X-RateLimit-Reset`` or of 403 meaning "rate limited", and it would
repeat a POST that may have created a comment. This module's loop waits as long as the
forge asks (:class:`Api.rate_limit` says how long), as long as the run's total wait stays
within ``max_wait``; beyond it, one PublishError saying when the limit resets. A request
that got no answer or a 5xx is repeated (twice at most) unless it is a POST.

The token is sent in one header and nowhere else: it is not a field any repr shows, no
message names it, and a ``next`` page on another host than the API's is refused rather than
sent the token.
"""

from __future__ import annotations

import json
import re
import ssl
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from imagekit.errors import PublishError, RegistryError
from imagekit.registry.transport import Transport

#: Repeats of a request that got no answer or a 5xx (not for POST), and the waits between.
SERVER_RETRIES = (1.0, 2.0)
#: Rate-limited answers in a row after which the call gives up even within the bound.
MAX_RATE_LIMITED = 5
#: Redirects followed (a renamed repository), on the API's own host only.
REDIRECTS = frozenset({301, 302, 307, 308})
MAX_REDIRECTS = 3
_LINK = re.compile(r"<([^>]*)>\s*;([^,]*)")


@dataclass(frozen=True)
class Answer:
    """A forge's answer: status, headers, the JSON body (None when empty or not JSON)."""

    status: int
    headers: Message
    data: Any
    text: str

    def header(self, name: str) -> str:
        return str(self.headers.get(name) or "").strip()

    def message(self) -> str:
        """The forge's own error message (``message`` or ``error``), on one short line."""
        found: Any = None
        if isinstance(self.data, dict):
            found = self.data.get("message") or self.data.get("error")
        text = found if isinstance(found, str) else json.dumps(found) if found else ""
        return " ".join(text.split())[:200]


#: Seconds to wait before repeating a request the forge refused, None when not rate limited.
RateLimitRule = Callable[[Answer, float], float | None]
#: The error for an answer that is not a success, given what the request was for.
Explain = Callable[[Answer, str], PublishError]


def user_agent() -> str:
    """``imagekit/VERSION``, the User-Agent forge APIs ask clients to send."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"imagekit/{version('imagekit')}"
    except PackageNotFoundError:
        return "imagekit"


def retry_after(answer: Answer, now: float) -> float | None:
    """``Retry-After`` in seconds (a number, or an HTTP date), None when absent."""
    value = answer.header("Retry-After")
    if not value:
        return None
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def until_reset(value: str, now: float) -> float | None:
    """Seconds from ``now`` until the epoch time ``value`` (a reset header), None if bad."""
    if not value.isdigit():
        return None
    return max(0.0, float(value) - now) + 1.0


def next_link(header: str) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    for url, params in _LINK.findall(header):
        rels = re.findall(r'rel="?([^";]+)"?', params)
        if any("next" in rel.split() for rel in rels):
            return str(url)
    return None


def _with_page(url: str, page: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "page"]
    query.append(("page", page))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _clock_time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass
class Api:
    """One forge API for one run: base URL, headers, and the run's waiting budget."""

    name: str
    base_url: str
    headers: Mapping[str, str]
    rate_limit: RateLimitRule
    explain: Explain
    transport: Transport = field(default_factory=Transport)
    max_wait: float = 60.0
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    #: The header that carries the token, and the token: never shown.
    auth_header: str = field(default="Authorization", repr=False)
    auth_value: str = field(default="", repr=False)
    waited: float = 0.0

    def shown_headers(self, with_body: bool) -> tuple[tuple[str, str], ...]:
        """The headers a request sends, the token hidden (for a dry run)."""
        shown = dict(self.headers)
        if self.auth_value:
            scheme, _, _ = self.auth_value.rpartition(" ")
            shown[self.auth_header] = f"{scheme} [hidden]".strip()
        if with_body:
            shown["Content-Type"] = "application/json"
        return tuple(shown.items())

    def url(self, path: str, **query: str | int) -> str:
        """The URL of ``path`` (``/repos/...``) under the base URL, with ``query``."""
        url = self.base_url.rstrip("/") + path
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def call(
        self,
        method: str,
        url: str,
        what: str,
        body: Any = None,
        *,
        allow: frozenset[int] = frozenset(),
    ) -> Answer:
        """The successful (2xx) answer to ``method url``, or one whose status is in
        ``allow`` (unless it is a rate limit, which is waited out); PublishError otherwise."""
        self._same_origin(url, what)
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if self.auth_value:
            headers[self.auth_header] = self.auth_value
        if data is not None:
            headers["Content-Type"] = "application/json"
        limited = server_tries = redirects = 0
        while True:
            answer = self._send(method, url, headers, data, what, server_tries)
            if answer is None:  # no answer: repeated after a pause
                server_tries += 1
                continue
            if 200 <= answer.status < 300:
                return answer
            location = answer.header("Location")
            if answer.status in REDIRECTS and location and redirects < MAX_REDIRECTS:
                url = urllib.parse.urljoin(url, location)
                self._same_origin(url, what)
                redirects += 1
                continue
            wait = self.rate_limit(answer, self.clock())
            if wait is not None:
                limited += 1
                self._wait_out(wait, answer, what, limited)
                continue
            if answer.status in allow:
                return answer
            if answer.status >= 500 and method != "POST" and server_tries < len(SERVER_RETRIES):
                self.sleep(SERVER_RETRIES[server_tries])
                server_tries += 1
                continue
            raise self.explain(answer, what)

    def pages(self, url: str, what: str) -> Iterator[Answer]:
        """``url``'s answer and those of the pages after it (``Link: rel="next"``, else
        GitLab's ``X-Next-Page``)."""
        next_url: str | None = url
        while next_url is not None:
            answer = self.call("GET", next_url, what)
            yield answer
            page = answer.header("X-Next-Page")
            linked = next_link(answer.header("Link"))
            next_url = linked or (_with_page(next_url, page) if page.isdigit() else None)

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: bytes | None,
        what: str,
        tries: int,
    ) -> Answer | None:
        try:
            response = self.transport.request(method, url, headers, data, follow=False, attempts=1)
            raw = response.read()
        except RegistryError as exc:
            cause = exc.__context__
            tls = isinstance(cause, ssl.SSLError)
            if method == "POST" or tls or tries >= len(SERVER_RETRIES):
                host = urllib.parse.urlsplit(url).netloc
                reason = f" ({cause})" if cause is not None else ""
                raise PublishError(
                    f"{what}: the {self.name} API at {host} is unreachable{reason}",
                    hint="trust its CA with --ca-cert FILE"
                    if tls
                    else "check the API URL and the network",
                ) from None
            self.sleep(SERVER_RETRIES[tries])
            return None
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        return Answer(response.status, response.headers, parsed, text)

    def _wait_out(self, wait: float, answer: Answer, what: str, limited: int) -> None:
        left = self.max_wait - self.waited
        if limited > MAX_RATE_LIMITED:
            raise PublishError(
                f"{what}: {self.name} is still rate limiting (answer {answer.status}) after "
                f"{MAX_RATE_LIMITED} waits",
                hint="run again later",
            )
        if wait > left:
            resets = _clock_time(self.clock() + wait)
            raise PublishError(
                f"{what}: {self.name}'s rate limit (answer {answer.status}) resets at {resets}, "
                f"in {wait:.0f} s, more than the {left:.0f} s left to wait (--max-wait "
                f"{self.max_wait:g})",
                hint="run again after the reset, or raise --max-wait",
            )
        self.sleep(wait)
        self.waited += wait

    def _same_origin(self, url: str, what: str) -> None:
        base = urllib.parse.urlsplit(self.base_url)
        here = urllib.parse.urlsplit(url)
        if (here.scheme, here.netloc) != (base.scheme, base.netloc):
            raise PublishError(
                f"{what}: {self.name} pointed to {here.scheme}://{here.netloc}, another host "
                f"than its API's {base.netloc}; the token is not sent there"
            )


def json_list(answer: Answer, what: str) -> list[dict[str, Any]]:
    """The answer's JSON array of objects, PublishError when it is something else."""
    if not isinstance(answer.data, list) or not all(isinstance(i, dict) for i in answer.data):
        raise PublishError(f"{what}: the answer is not a JSON list of objects")
    return answer.data


def json_object(answer: Answer, what: str) -> dict[str, Any]:
    """The answer's JSON object, PublishError when it is something else."""
    if not isinstance(answer.data, dict):
        raise PublishError(f"{what}: the answer is not a JSON object")
    return answer.data
