"""`imagekit push` refused, failing, or given bad input: one line, the right exit code, the
registry's error code, and never a password or a token anywhere.

Against a real registry with Basic auth (Debian's docker-registry with an htpasswd file,
tests/support/authregistry.py) and a token-service stand-in (a scripted registry whose
``/token`` realm hands out Bearer tokens, lets one expire, refuses the wrong password),
through the command line both in-process (CliRunner) and as a subprocess (with
IMAGEKIT_DEBUG=1, so an internal error would show its traceback). Every run's stdout and
stderr, and every file under the test's home, cache and docker config directories
(except the config.json the test wrote), are searched for the password, its Basic
encoding and the tokens.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from imagekit.cli import cli
from imagekit.oci.digest import Digest
from imagekit.oci.layout import write_layout
from tests.registry.double import Answer, Seen, free_port, serve
from tests.report.examples import example_image
from tests.support.authregistry import AuthRegistry, htpasswd_registry

ROOT = Path(__file__).resolve().parent.parent
USER = "ci-robot"
PASSWORD = "s3cret-Pa55word-7Qx"
TOKENS = ("tok-FIRST-9f8e7d6c5b4a", "tok-SECOND-1a2b3c4d5e6f")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthRegistry]:
    with htpasswd_registry(tmp_path_factory.mktemp("basic"), USER, PASSWORD) as registry:
        yield registry


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """HOME, cache and docker config of the test's own; a small OCI layout to push."""
    for name in ("home", "cache", "docker"):
        (tmp_path / name).mkdir()
    write_layout(example_image(), tmp_path / "layout", "1")
    return tmp_path


def environment(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home / "home"),
        "XDG_CACHE_HOME": str(home / "home" / ".cache"),
        "IMAGEKIT_CACHE_DIR": str(home / "cache"),
        "DOCKER_CONFIG": str(home / "docker"),
        "CI": "1",
        "IMAGEKIT_DEBUG": "1",
    }


def login(home: Path, registry: str, password: str = PASSWORD) -> None:
    auth = base64.b64encode(f"{USER}:{password}".encode()).decode()
    (home / "docker" / "config.json").write_text(json.dumps({"auths": {registry: {"auth": auth}}}))


def push_both_ways(home: Path, dest: str, source: str = "") -> list[Run]:
    """``imagekit push SOURCE DEST`` through CliRunner, then as a subprocess."""
    source = source or f"oci:{home / 'layout'}:1"
    env = environment(home)
    runner = CliRunner().invoke(cli, ["push", source, dest], env=env, catch_exceptions=False)
    done = subprocess.run(
        [sys.executable, "-m", "imagekit", "push", source, dest],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return [
        Run(runner.exit_code, runner.stdout, runner.stderr),
        Run(done.returncode, done.stdout, done.stderr),
    ]


def secrets(password: str = PASSWORD) -> list[str]:
    basic_auth = base64.b64encode(f"{USER}:{password}".encode()).decode()
    return [password, basic_auth, *TOKENS]


def nothing_secret(home: Path, runs: list[Run], password: str = PASSWORD) -> None:
    texts = {
        f"run {i} {name}": text
        for i, r in enumerate(runs)
        for name, text in (("stdout", r.stdout), ("stderr", r.stderr))
    }
    written = home / "docker" / "config.json"
    for path in home.rglob("*"):
        if path.is_file() and path != written:
            texts[str(path)] = path.read_bytes().decode("latin-1")
    if any(r.code == 0 for r in runs):  # a push that went through wrote its cache
        assert any(str(home / "cache") in name for name in texts), sorted(texts)
    for name, text in texts.items():
        for secret in secrets(password):
            assert secret not in text, f"{secret!r} in {name}"


def one_line(run: Run, code: int, *parts: str) -> str:
    assert run.code == code, (run.stdout, run.stderr)
    assert run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if line.startswith("imagekit: error")]
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# -- a real registry with Basic auth -----------------------------------------------------


def test_basic_auth_push_with_the_right_password(basic: AuthRegistry, home: Path) -> None:
    login(home, basic.address)
    runs = push_both_ways(home, f"{basic.address}/team/app:v1")
    digest = runs[0].stdout.strip()
    for run in runs:
        assert run.code == 0 and run.stdout == f"{digest}\n", run.stderr
    Digest.parse(digest)
    nothing_secret(home, runs)


def test_basic_auth_with_a_wrong_password_is_unauthorized(basic: AuthRegistry, home: Path) -> None:
    wrong = "not-the-Pa55word-3Zk"
    login(home, basic.address, wrong)
    runs = push_both_ways(home, f"{basic.address}/team/app:v1")
    for run in runs:
        one_line(run, 3, "UNAUTHORIZED", "(HTTP 401)", f"{basic.address}/team/app", "hint:")
    nothing_secret(home, runs, wrong)


# -- a token service stand-in ------------------------------------------------------------


class TokenRegistry:
    """A registry taking pushes with Bearer tokens from its ``/token`` realm.

    ``mode``: ``ok``; ``expire`` (the first token stops working after three requests: a
    fresh one is needed); ``refuse`` (every token is refused, as an expired one is);
    ``denied``, ``unknown``, ``throttled`` (the POST starting an upload is answered 403
    DENIED, 404 NAME_UNKNOWN, 429 TOOMANYREQUESTS).
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.address = ""
        self.issued: list[str] = []
        self.uses = 0
        self.blobs: set[str] = set()

    def challenge(self, error: str = "") -> Answer:
        realm = f'Bearer realm="http://{self.address}/token",service="stand-in"'
        realm += f',error="{error}"' if error else ""
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        return 401, {"WWW-Authenticate": realm}, body

    def token(self, seen: Seen) -> Answer:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if seen.header("Authorization") != expected:
            return 401, {}, b'{"details":"incorrect username or password"}'
        token = TOKENS[min(len(self.issued), 1)]
        self.issued.append(token)
        return 200, {}, json.dumps({"token": token, "expires_in": 300}).encode()

    def route(self, seen: Seen) -> Answer:
        path = urllib.parse.urlsplit(seen.path)
        if path.path == "/token":
            return self.token(seen)
        authorization = seen.header("Authorization") or ""
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.issued:
            return self.challenge()
        self.uses += 1
        if self.mode == "refuse" or (
            self.mode == "expire" and authorization[7:] == TOKENS[0] and self.uses > 3
        ):
            return self.challenge("invalid_token")
        if path.path == "/v2/":
            return 200, {}, b"{}"
        if seen.method in ("GET", "HEAD") and "/manifests/" in path.path:
            return 404, {}, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}'
        if seen.method == "HEAD":
            found = path.path.rsplit("/", 1)[1] in self.blobs
            return (
                (200, {"Docker-Content-Digest": path.path.rsplit("/", 1)[1]}, b"")
                if found
                else (404, {}, b"")
            )
        if seen.method == "POST":
            refusal = {
                "denied": (403, "DENIED"),
                "unknown": (404, "NAME_UNKNOWN"),
                "throttled": (429, "TOOMANYREQUESTS"),
            }.get(self.mode)
            if refusal:
                status, code = refusal
                body = json.dumps({"errors": [{"code": code, "message": "no"}]}).encode()
                return status, {"Retry-After": "0"}, body
            return 202, {"Location": "/v2/team/app/blobs/uploads/u1?_state=opaque"}, b""
        if seen.method == "PUT" and "/blobs/uploads/" in path.path:
            digest = urllib.parse.parse_qs(path.query)["digest"][0]
            assert Digest.of_bytes(seen.body) == Digest.parse(digest)
            self.blobs.add(digest)
            return 201, {"Docker-Content-Digest": digest}, b""
        if seen.method == "PUT" and "/manifests/" in path.path:
            return 201, {"Docker-Content-Digest": str(Digest.of_bytes(seen.body))}, b""
        return 404, {}, b'{"errors":[{"code":"NOT_FOUND"}]}'


def token_runs(home: Path, mode: str, password: str = PASSWORD) -> tuple[TokenRegistry, list[Run]]:
    registry = TokenRegistry(mode)
    with serve(registry.route) as double:
        registry.address = double.address
        login(home, double.address, password)
        runs = push_both_ways(home, f"{double.address}/team/app:v1")
    return registry, runs


def test_an_expired_token_is_replaced_and_the_push_completes(home: Path) -> None:
    registry, runs = token_runs(home, "expire")
    for run in runs:
        assert run.code == 0 and run.stdout.startswith("sha256:"), run.stderr
    assert TOKENS[1] in registry.issued  # a second token was fetched after the first expired
    nothing_secret(home, runs)


@pytest.mark.parametrize(
    ("mode", "code", "parts"),
    [
        ("refuse", 3, ("UNAUTHORIZED", "(HTTP 401)")),
        ("denied", 3, ("DENIED: no", "(HTTP 403)")),
        ("unknown", 3, ("NAME_UNKNOWN: no", "(HTTP 404)")),
        ("throttled", 3, ("TOOMANYREQUESTS: no", "(HTTP 429)")),
    ],
)
def test_token_registry_refusals_are_one_line_with_the_code(
    home: Path, mode: str, code: int, parts: tuple[str, ...]
) -> None:
    _, runs = token_runs(home, mode)
    for run in runs:
        one_line(run, code, *parts, "/team/app", "hint:")
    nothing_secret(home, runs)


def test_the_token_service_refusing_the_password_is_one_line(home: Path) -> None:
    wrong = "wrong-Pa55word-8Lm"
    registry, runs = token_runs(home, "ok", wrong)
    for run in runs:
        one_line(run, 3, "token service", "401", "hint: check the credentials")
    assert registry.issued == []
    nothing_secret(home, runs, wrong)


# -- no registry, a broken source --------------------------------------------------------


def test_a_registry_that_is_down_exits_3(home: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    login(home, address)
    runs = push_both_ways(home, f"{address}/team/app:v1")
    for run in runs:
        one_line(run, 3, "unreachable", address, "hint:")
    nothing_secret(home, runs)


def test_a_truncated_layout_blob_exits_2_before_anything_is_sent(home: Path) -> None:
    seen: list[Seen] = []

    def route(request: Seen) -> Answer:
        seen.append(request)
        if request.path == "/v2/":
            return 200, {}, b"{}"
        if request.method == "POST":
            return 202, {"Location": "/v2/team/app/blobs/uploads/u1"}, b""
        if request.method == "PUT" and "/blobs/uploads/" in request.path:
            digest = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)["digest"]
            return 201, {"Docker-Content-Digest": digest[0]}, b""
        return 404, {}, b""

    index = json.loads((home / "layout" / "index.json").read_text())
    manifest_digest = Digest.parse(index["manifests"][0]["digest"])
    blobs = home / "layout" / "blobs" / "sha256"
    manifest = json.loads((blobs / manifest_digest.hex).read_bytes())
    layer = blobs / Digest.parse(manifest["layers"][-1]["digest"]).hex
    layer.write_bytes(layer.read_bytes()[: layer.stat().st_size // 2])
    with serve(route) as double:
        login(home, double.address)
        runs = push_both_ways(home, f"{double.address}/team/app:v1")
    for run in runs:
        one_line(run, 2, "the blob ended after", f"@sha256:{layer.name}")
    assert not [s for s in seen if s.method == "PUT" and "/manifests/" in s.path]
    whole = int(manifest["layers"][-1]["size"])
    assert all(len(s.body) < whole for s in seen if layer.name in s.path)  # never all of it
    nothing_secret(home, runs)
