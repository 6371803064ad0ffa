"""Stand-ins for GitHub's and GitLab's REST APIs (out of our reach), on 127.0.0.1.

Each keeps the comments of one pull (merge) request, answers the endpoints imagekit uses as
the real API does (pagination headers included), and CHECKS every request: method and path
are known, the query has the page size, the headers carry the token, the media type, the
API version and a User-Agent, and a write's body is JSON ``{"body": "..."}`` with a JSON
Content-Type. A request that breaks a rule is answered 400 and noted in ``problems``, which
the tests assert to be empty. Every request is recorded in ``requests``.

``script`` holds answers given before the API's own, for the next requests matching a method
and path prefix (a rate limit, a 5xx, a redirect).
"""

from __future__ import annotations

import json
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GITHUB_TOKEN = "ghs_T0kenValueThatMustNeverBeShown42"
GITLAB_TOKEN = "glpat-An0therSecretThatStaysHidden7"
BOT = {"login": "github-actions[bot]", "type": "Bot"}
PAGE = 100


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    #: The path as sent, before the API's base path (``/api/v3`` of GitHub Enterprise).
    full_path: str = ""

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())

    @property
    def target(self) -> str:
        return f"{self.method} {self.path}"


Answer = tuple[int, dict[str, str], Any]


@dataclass
class Scripted:
    method: str
    prefix: str
    answer: Answer


@dataclass
class Fake:
    """What both stand-ins share: the record, the problems, the script, the server."""

    requests: list[Request] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    base: str = ""
    prefix: str = ""

    def answer_next(
        self, method: str, prefix: str, status: int, headers: dict[str, str], body: Any = None
    ) -> None:
        self.script.append(Scripted(method, prefix, (status, headers, body)))

    def writes(self) -> list[str]:
        return [r.target for r in self.requests if r.method != "GET"]

    def handle(self, request: Request) -> Answer:  # pragma: no cover - overridden
        raise NotImplementedError

    def _scripted(self, request: Request) -> Answer | None:
        for item in self.script:
            if item.method == request.method and request.path.startswith(item.prefix):
                self.script.remove(item)
                return item.answer
        return None

    def problem(self, request: Request, what: str) -> Answer:
        self.problems.append(f"{request.target}: {what}")
        return 400, {}, {"message": f"test double: {what}"}

    def check_write(self, request: Request) -> Answer | None:
        if (request.header("Content-Type") or "").split(";")[0] != "application/json":
            return self.problem(request, f"Content-Type {request.header('Content-Type')!r}")
        body = request.body
        if not isinstance(body, dict) or set(body) != {"body"} or not isinstance(body["body"], str):
            return self.problem(request, f"body is not {{'body': str}}: {body!r}")
        return None


class FakeGitHub(Fake):
    """Repository ``repo`` (id 4242) with pull request ``number``; ``me`` is the token's
    user (None: an app token, refused at GET /user as GitHub refuses GITHUB_TOKEN)."""

    def __init__(self, repo: str = "team/app", number: int = 7, me: str | None = None) -> None:
        super().__init__()
        self.repo = repo
        self.number = number
        self.me = me
        self.comments: list[dict[str, Any]] = []
        self.next_id = 1000

    def add(self, body: str, user: dict[str, str] | None = None) -> int:
        """An existing comment; its id."""
        self.next_id += 1
        self.comments.append(
            {
                "id": self.next_id,
                "body": body,
                "user": dict(user or BOT),
                "html_url": f"https://github.example/{self.repo}/pull/{self.number}#issuecomment-{self.next_id}",
            }
        )
        return self.next_id

    def body_of(self, comment_id: int) -> str:
        return next(str(c["body"]) for c in self.comments if c["id"] == comment_id)

    def handle(self, request: Request) -> Answer:
        for name, want in (
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ):
            if request.header(name) != want:
                return self.problem(request, f"{name} is {request.header(name)!r}")
        if not (request.header("User-Agent") or "").startswith("imagekit"):
            return self.problem(request, "no imagekit User-Agent")
        scripted = self._scripted(request)
        if scripted is not None:
            return scripted
        if request.header("Authorization") != f"Bearer {GITHUB_TOKEN}":
            return 401, {}, {"message": "Bad credentials"}
        issue = f"/repos/{self.repo}/issues/{self.number}/comments"
        paged = f"/repositories/4242/issues/{self.number}/comments"
        if request.target == "GET /user":
            if self.me is None:
                return 403, {}, {"message": "Resource not accessible by integration"}
            return 200, {}, {"login": self.me, "type": "User"}
        if request.method == "GET" and request.path in (issue, paged):
            return self._page(request, paged)
        if request.method == "POST" and request.path == issue:
            if request.query:
                return self.problem(request, "a query on POST")
            return self.check_write(request) or self._create(request.body["body"])
        prefix = f"/repos/{self.repo}/issues/comments/"
        if request.method == "PATCH" and request.path.startswith(prefix):
            found = [c for c in self.comments if str(c["id"]) == request.path[len(prefix) :]]
            if not found:
                return 404, {}, {"message": "Not Found"}
            failed = self.check_write(request)
            if failed:
                return failed
            found[0]["body"] = request.body["body"]
            return 200, {}, found[0]
        if request.path.startswith(("/repos/", "/repositories/")):
            return 404, {}, {"message": "Not Found"}
        return self.problem(request, "unknown endpoint")

    def _page(self, request: Request, paged: str) -> Answer:
        if request.query.get("per_page") != [str(PAGE)]:
            return self.problem(request, f"per_page is {request.query.get('per_page')}")
        page = int(request.query.get("page", ["1"])[0])
        last = max(1, -(-len(self.comments) // PAGE))
        links = []
        if page < last:
            links.append(
                f'<{self.base}{self.prefix}{paged}?per_page={PAGE}&page={page + 1}>; rel="next"'
            )
            links.append(
                f'<{self.base}{self.prefix}{paged}?per_page={PAGE}&page={last}>; rel="last"'
            )
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, self.comments[(page - 1) * PAGE : page * PAGE]

    def _create(self, body: str) -> Answer:
        comment_id = self.add(
            body, {"login": self.me or BOT["login"], "type": "User" if self.me else "Bot"}
        )
        return 201, {}, self.comments[-1] | {"id": comment_id}


class FakeGitLab(Fake):
    """Project ``project_id`` (path ``project``) with merge request ``iid``. ``links``: send
    Link headers (else only X-Next-Page)."""

    def __init__(
        self,
        project: str = "group/app",
        project_id: int = 31,
        iid: int = 5,
        me: str | None = "project_31_bot",
        links: bool = True,
    ) -> None:
        super().__init__()
        self.project = project
        self.project_id = project_id
        self.iid = iid
        self.me = me
        self.links = links
        self.notes: list[dict[str, Any]] = []
        self.next_id = 500

    @property
    def web_url(self) -> str:
        return f"https://gitlab.example/{self.project}/-/merge_requests/{self.iid}"

    def add(self, body: str, username: str = "project_31_bot", system: bool = False) -> int:
        self.next_id += 1
        self.notes.append(
            {"id": self.next_id, "body": body, "author": {"username": username}, "system": system}
        )
        return self.next_id

    def body_of(self, note_id: int) -> str:
        return next(str(n["body"]) for n in self.notes if n["id"] == note_id)

    def handle(self, request: Request) -> Answer:
        if request.header("Accept") != "application/json":
            return self.problem(request, f"Accept is {request.header('Accept')!r}")
        if not (request.header("User-Agent") or "").startswith("imagekit"):
            return self.problem(request, "no imagekit User-Agent")
        if request.header("Authorization") is not None:
            return self.problem(request, "an Authorization header besides PRIVATE-TOKEN")
        scripted = self._scripted(request)
        if scripted is not None:
            return scripted
        if request.header("PRIVATE-TOKEN") != GITLAB_TOKEN:
            return 401, {}, {"message": "401 Unauthorized"}
        if request.target == "GET /api/v4/user":
            if self.me is None:
                return 403, {}, {"message": "403 Forbidden"}
            return 200, {}, {"id": 9, "username": self.me}
        projects = {
            f"/api/v4/projects/{self.project_id}",
            "/api/v4/projects/" + urllib.parse.quote(self.project, safe=""),
        }
        base, _, rest = request.path.partition("/merge_requests/")
        if base not in projects or not rest.startswith(f"{self.iid}"):
            return 404, {}, {"message": "404 Not found"}
        rest = rest[len(str(self.iid)) :]
        if request.method == "GET" and rest == "":
            return 200, {}, {"iid": self.iid, "web_url": self.web_url}
        if request.method == "GET" and rest == "/notes":
            return self._page(request)
        if request.method == "POST" and rest == "/notes":
            return self.check_write(request) or self._create(request.body["body"])
        if request.method == "PUT" and rest.startswith("/notes/"):
            found = [n for n in self.notes if str(n["id"]) == rest[len("/notes/") :]]
            if not found:
                return 404, {}, {"message": "404 Not found"}
            failed = self.check_write(request)
            if failed:
                return failed
            found[0]["body"] = request.body["body"]
            return 200, {}, found[0]
        return self.problem(request, "unknown endpoint")

    def _page(self, request: Request) -> Answer:
        for key, want in (("sort", "asc"), ("order_by", "created_at"), ("per_page", str(PAGE))):
            if request.query.get(key) != [want]:
                return self.problem(request, f"{key} is {request.query.get(key)}")
        page = int(request.query.get("page", ["1"])[0])
        last = max(1, -(-len(self.notes) // PAGE))
        headers = {"X-Page": str(page), "X-Next-Page": str(page + 1) if page < last else ""}
        if self.links and page < last:
            query = urllib.parse.urlencode(
                {"order_by": "created_at", "page": page + 1, "per_page": PAGE, "sort": "asc"}
            )
            headers["Link"] = f'<{self.base}{request.path}?{query}>; rel="next"'
        return 200, headers, self.notes[(page - 1) * PAGE : page * PAGE]

    def _create(self, body: str) -> Answer:
        self.add(body, self.me or "someone")
        return 201, {}, self.notes[-1]


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            request = Request(
                self.command,
                parts.path,
                urllib.parse.parse_qs(parts.query, keep_blank_values=True),
                dict(self.headers.items()),
                body,
                parts.path,
            )
            request = replace(request, path=parts.path.removeprefix(fake.prefix))
            if not parts.path.startswith(fake.prefix):
                request = replace(request, path="/" + parts.path)  # matches no endpoint
            fake.requests.append(request)
            status, headers, data = fake.handle(request)
            payload = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            for key, value in {
                "Content-Type": "application/json",
                "Content-Length": str(len(payload)),
                **headers,
            }.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(fake: Fake, path: str = "", tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Run ``fake`` on 127.0.0.1 (a free port); yields its base URL (``path`` appended)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    fake.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    fake.prefix = path
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake.base + path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Sleeps:
    """An injected sleep that records its waits and moves an injected clock on."""

    def __init__(self, now: float = 1_714_564_800.0) -> None:
        self.now = now
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def self_signed(tmp: Any) -> tuple[ssl.SSLContext, str]:
    """A server TLS context for 127.0.0.1 signed by a fresh CA, and the CA's PEM file."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = cert("imagekit test CA", ca_key, "imagekit test CA", ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert("127.0.0.1", key, "imagekit test CA", ca_key, False)
    ca_file = tmp / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = tmp / "server.pem"
    chain.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context, str(ca_file)
