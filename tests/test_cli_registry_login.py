"""``imagekit registry login`` and ``logout`` against a registry that demands Basic auth.

The registry is Debian's docker-registry with an htpasswd file (tests/support/authregistry),
started once for this module; a Bearer token service (a third party's protocol) is a
scripted double. Credentials go where the docker CLI puts them: config.json in
DOCKER_CONFIG, or a real credential helper program on PATH. The password must show up
nowhere but there: not in any output, error or other file.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import select
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import build_cli
from imagekit.registry.auth import Credentials
from imagekit.registry.credentials import CredentialStore
from tests.registry.double import Answer, Seen, serve
from tests.support.authregistry import AuthRegistry, htpasswd_registry
from tests.support.credhelpers import write_store_helper

ROOT = Path(__file__).resolve().parent.parent
USER = "ci-user"
PASSWORD = f"pw-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthRegistry]:
    with htpasswd_registry(tmp_path_factory.mktemp("registry"), USER, PASSWORD) as registry:
        yield registry


def run(args: list[str], docker_config: Path, *, stdin: str = "", path: str = "") -> Result:
    env = {"DOCKER_CONFIG": str(docker_config), "PATH": path or os.environ.get("PATH", "")}
    result = CliRunner().invoke(build_cli(), args, input=stdin, env=env, catch_exceptions=False)
    for text in (result.stdout, result.stderr):
        assert PASSWORD not in text
    return result


def assert_password_only_in(root: Path, *allowed: Path) -> None:
    """No file under ``root`` holds the password, but ``allowed`` ones."""
    for path in root.rglob("*"):
        if path.is_file() and path not in allowed:
            assert PASSWORD.encode() not in path.read_bytes(), path


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_login_stores_in_config_json_and_logout_removes(
    tmp_path: Path, basic: AuthRegistry
) -> None:
    config = tmp_path / "docker"
    result = run(
        ["registry", "login", basic.address, "--username", USER, "--password-stdin"],
        config,
        stdin=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "Login Succeeded"
    assert "stored unencrypted in" in result.stderr
    data = json.loads((config / "config.json").read_text())
    assert data == {"auths": {basic.address: {"auth": b64(f"{USER}:{PASSWORD}")}}}
    store = CredentialStore(config, path="")
    assert store.get(basic.address) == Credentials(USER, PASSWORD)
    assert_password_only_in(tmp_path, config / "config.json")
    assert_password_only_in(basic.log.parent)

    result = run(["registry", "logout", basic.address], config)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"Removing login credentials for {basic.address}\n"
    assert json.loads((config / "config.json").read_text()) == {"auths": {}}
    again = run(["registry", "logout", f"https://{basic.address}/v2/"], config)
    assert (again.exit_code, again.stderr) == (0, f"Not logged in to {basic.address}\n")


def test_wrong_password_is_refused_and_nothing_stored(tmp_path: Path, basic: AuthRegistry) -> None:
    result = run(
        ["registry", "login", basic.address, "-u", USER, "--password-stdin"],
        tmp_path,
        stdin="not-the-password\n",
    )
    assert result.exit_code == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"imagekit: error[registry]: {basic.address} refused the credentials")
    assert "not-the-password" not in result.stderr
    assert not (tmp_path / "config.json").exists()


def test_login_through_the_configured_helper(tmp_path: Path, basic: AuthRegistry) -> None:
    config = tmp_path / "docker"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"credsStore": "imagekit-test"}))
    helper = write_store_helper(tmp_path / "bin", data=tmp_path / "helper-data")
    path = f"{helper.directory}{os.pathsep}{os.environ.get('PATH', '')}"
    result = run(
        ["registry", "login", f"http://{basic.address}/v2/", "-u", USER, "--password-stdin"],
        config,
        stdin=PASSWORD,
        path=path,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "Login Succeeded\n"
    assert helper.held() == {basic.address: [USER, PASSWORD]}
    data = json.loads((config / "config.json").read_text())
    assert data == {"credsStore": "imagekit-test", "auths": {basic.address: {}}}
    assert_password_only_in(tmp_path, helper.secrets)

    result = run(["registry", "logout", basic.address], config, path=path)
    assert result.exit_code == 0 and helper.held() == {}
    assert json.loads((config / "config.json").read_text())["auths"] == {}


def test_password_option_warns(tmp_path: Path, basic: AuthRegistry) -> None:
    result = run(["registry", "login", basic.address, "-u", USER, "-p", PASSWORD], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "--password shows the password" in result.stderr
    assert "use --password-stdin" in result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["--password-stdin"], "pw\n", "--username is needed"),
        (["-u", USER], "", "no password: stdin is not a terminal"),
        (["-u", USER, "--password-stdin", "-p", "x"], "pw", "exclude each other"),
        (["-u", USER, "--password-stdin"], "\n", "the password is empty"),
        (["-u", USER, "-p", "x", "--ca-cert", "/nonexistent/ca.pem"], "", "--ca-cert"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], stdin: str, expected: str) -> None:
    result = run(["registry", "login", "127.0.0.1:1", *args], tmp_path, stdin=stdin)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert expected in line
    assert not (tmp_path / "config.json").exists()


class TokenService:
    """A registry that wants Bearer tokens from a token service taking Basic credentials."""

    def __init__(self) -> None:
        self.address = ""

    def __call__(self, seen: Seen) -> Answer:
        path = urllib.parse.urlsplit(seen.path)
        if path.path == "/token":
            if seen.header("Authorization") != "Basic " + b64(f"{USER}:{PASSWORD}"):
                return 401, {}, b'{"details":"incorrect username or password"}'
            return 200, {"Content-Type": "application/json"}, b'{"token":"t-1","expires_in":60}'
        if seen.header("Authorization") == "Bearer t-1":
            return 200, {"Content-Type": "application/json"}, b"{}"
        challenge = f'Bearer realm="http://{self.address}/token",service="double"'
        return 401, {"WWW-Authenticate": challenge}, b'{"errors":[{"code":"UNAUTHORIZED"}]}'


def test_login_through_a_token_service(tmp_path: Path) -> None:
    script = TokenService()
    with serve(script) as double:
        script.address = double.address
        refused = run(
            ["registry", "login", double.address, "-u", USER, "--password-stdin"],
            tmp_path,
            stdin="wrong\n",
        )
        accepted = run(
            ["registry", "login", double.address, "-u", USER, "--password-stdin"],
            tmp_path,
            stdin=PASSWORD + "\n",
        )
    assert refused.exit_code == 3
    assert f"{double.address} refused the credentials" in refused.stderr
    assert accepted.exit_code == 0, accepted.stderr
    assert double.paths() == [
        "GET /v2/",
        "GET /token?service=double",
        "GET /v2/",
        "GET /token?service=double",
        "GET /v2/",
    ]
    stored = CredentialStore(tmp_path, path="").get(double.address)
    assert stored == Credentials(USER, PASSWORD)


def test_missing_helper_is_one_line_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {"r.example.com": "gone"}}))
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path), "PATH": str(tmp_path / "bin")}
    result = subprocess.run(
        [sys.executable, "-m", "imagekit", "registry", "logout", "r.example.com"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "docker-credential-gone" in line and "not on PATH" in line


def _read_until(fd: int, wanted: bytes, seen: bytearray, deadline: float) -> None:
    while wanted not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"waited for {wanted!r}; the terminal shows {bytes(seen)!r}")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the other side is closed
                chunk = b""
            if not chunk:
                raise AssertionError(f"ended before {wanted!r}: {bytes(seen)!r}")
            seen.extend(chunk)


def test_user_and_password_are_asked_for_on_a_terminal_without_echo(
    tmp_path: Path, basic: AuthRegistry
) -> None:
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path)}
    argv = [sys.executable, "-m", "imagekit", "registry", "login", basic.address]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout and stderr
        os.chdir(ROOT)
        os.execve(sys.executable, argv, env)
    seen = bytearray()
    deadline = time.monotonic() + 60
    try:
        _read_until(fd, b"Username: ", seen, deadline)
        os.write(fd, USER.encode() + b"\n")
        _read_until(fd, b"Password: ", seen, deadline)
        os.write(fd, PASSWORD.encode() + b"\n")
        _read_until(fd, b"Login Succeeded", seen, deadline)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, bytes(seen)
    assert PASSWORD.encode() not in seen
    assert CredentialStore(tmp_path, path="").get(basic.address) == Credentials(USER, PASSWORD)
