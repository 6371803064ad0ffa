"""A distribution registry that demands Basic auth (htpasswd), started for a test module.

Debian's ``docker-registry`` (the one `.ci/services up` installs) runs from a config in a
temporary directory, filesystem storage there too, on a free loopback port, with one
htpasswd user. htpasswd entries are bcrypt: the ``bcrypt`` package when it is installed,
else the C library's crypt(3) (glibc's libxcrypt has bcrypt) through the ``crypt`` module.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.registry.double import free_port

STARTUP_TIMEOUT = 20.0


def bcrypt_hash(password: str) -> str:
    try:
        import bcrypt  # type: ignore[import-not-found]

        return str(bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode())
    except ImportError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt

        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    if not hashed or not hashed.startswith("$2"):
        pytest.fail("no bcrypt here for the htpasswd file: pip install bcrypt", pytrace=False)
    return hashed


@dataclass(frozen=True)
class AuthRegistry:
    address: str
    username: str
    password: str
    log: Path


def _status(address: str) -> int | None:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


@contextmanager
def htpasswd_registry(directory: Path, username: str, password: str) -> Iterator[AuthRegistry]:
    """A registry on 127.0.0.1 accepting only ``username``/``password`` (Basic auth)."""
    program = shutil.which("docker-registry")
    if program is None:
        pytest.fail("docker-registry is not installed: run `.ci/services up`", pytrace=False)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "htpasswd").write_text(f"{username}:{bcrypt_hash(password)}\n")
    address = f"127.0.0.1:{free_port()}"
    config = directory / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {directory / 'data'}\n"
        f"http:\n  addr: {address}\n"
        f"auth:\n  htpasswd:\n    realm: imagekit-test\n    path: {directory / 'htpasswd'}\n"
    )
    log = directory / "registry.log"
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [program, "serve", str(config)], stdout=stream, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while _status(address) != 401:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"docker-registry did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield AuthRegistry(address, username, password, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
