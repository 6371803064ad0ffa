"""The registry for tests: the `registry` fixture's address, the `embedded_registry`
fixture's S3 side, and putting images there.

The registry is the embedded S3-backed one `.ci/services up` starts with `imagekit registry
up --data-dir IMAGEKIT_SERVICES_DIR/registry --port 5555` (docker-registry with the s3
driver on a local SeaweedFS, plain HTTP on 127.0.0.1:5555); it is found from that data
directory (IMAGEKIT_SERVICES_DIR, default .services/ in the repository).
IMAGEKIT_REGISTRY_ADDR points the `registry` fixture at another registry instead. It is
required: when it does not answer, the fixtures fail rather than skip. Images go there with
skopeo, from the docker engine (skopeo reads the engine's socket) or from a docker-archive;
each test uses a repository name of its own, so runs never see each other's tags.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from imagekit.services import EmbeddedRegistry

ADDRESS_ENV = "IMAGEKIT_REGISTRY_ADDR"
SERVICES_ENV = "IMAGEKIT_SERVICES_DIR"
DEFAULT_ADDRESS = "127.0.0.1:5555"
ROOT = Path(__file__).resolve().parents[2]
START_HINT = "start it with `make services` (or `.ci/services up`)"


def data_dir() -> Path:
    """The test registry's data directory (the one `.ci/services up` starts it from)."""
    return Path(os.environ.get(SERVICES_ENV) or ROOT / ".services") / "registry"


def embedded() -> EmbeddedRegistry | None:
    from imagekit.services import load

    return load(data_dir())


def address() -> str:
    if os.environ.get(ADDRESS_ENV):
        return os.environ[ADDRESS_ENV]
    found = embedded()
    return found.address if found is not None else DEFAULT_ADDRESS


def problem(addr: str) -> str | None:
    """Why the registry at ``addr`` does not answer ``/v2/`` with 200, or None when it does."""
    try:
        with urllib.request.urlopen(f"http://{addr}/v2/", timeout=5) as response:
            if response.status == 200:
                return None
            return f"GET /v2/ answered {response.status}"
    except (OSError, urllib.error.URLError) as error:
        return str(error)


def session() -> str:
    """The body of the session fixture `registry`: the address, or a test failure."""
    addr = address()
    why = problem(addr)
    if why is not None:
        pytest.fail(
            f"the test registry at {addr} does not answer ({why}); {START_HINT}, "
            f"or point {ADDRESS_ENV} at one",
            pytrace=False,
        )
    return addr


def embedded_session() -> EmbeddedRegistry:
    """The body of the session fixture `embedded_registry`, or a test failure."""
    found = embedded()
    if found is None:
        pytest.fail(
            f"the embedded test registry from {data_dir()} is not running; {START_HINT}",
            pytrace=False,
        )
    return found


def repository(prefix: str = "test") -> str:
    """A repository name no other test or run uses."""
    return f"imagekit-{prefix}/{uuid.uuid4().hex[:12]}"


def skopeo(*args: str) -> str:
    result = subprocess.run(["skopeo", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"skopeo {' '.join(args)} failed:\n{result.stderr[-3000:]}", pytrace=False)
    return result.stdout


def copy(source: str, destination: str, *options: str) -> str:
    """``skopeo copy SOURCE docker://DESTINATION``; returns ``DESTINATION``."""
    skopeo("copy", "--dest-tls-verify=false", *options, source, f"docker://{destination}")
    return destination


def push_daemon(name: str, destination: str, *options: str) -> str:
    """Copy the engine's image ``name`` to ``destination`` (``HOST/REPO:TAG``)."""
    return copy(f"docker-daemon:{name}", destination, *options)


def push_archive(path: Path, destination: str, *options: str) -> str:
    """Copy a ``docker save`` tarball to ``destination`` (``HOST/REPO:TAG``)."""
    return copy(f"docker-archive:{path}", destination, *options)


def inspect(reference: str, *, raw: bool = False) -> Any:
    """``skopeo inspect`` of ``reference`` (``HOST/REPO:TAG``) as JSON (``--raw``: the manifest)."""
    args = ["inspect", "--tls-verify=false"] + (["--raw"] if raw else [])
    return json.loads(skopeo(*args, f"docker://{reference}"))


def put_manifest(addr: str, repo: str, tag: str, raw: bytes, media_type: str) -> None:
    """PUT a manifest or index as it is (the registry checks that what it names exists)."""
    request = urllib.request.Request(
        f"http://{addr}/v2/{repo}/manifests/{tag}",
        data=raw,
        method="PUT",
        headers={"Content-Type": media_type},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201, response.status


def manifest_bytes(addr: str, repo: str, tag: str, accept: str) -> bytes:
    """The manifest ``repo:tag`` exactly as the registry stores it."""
    request = urllib.request.Request(
        f"http://{addr}/v2/{repo}/manifests/{tag}", headers={"Accept": accept}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
    assert isinstance(data, bytes)
    return data


def put_blob(addr: str, repo: str, data: bytes) -> str:
    """Upload ``data`` as one blob (a monolithic upload); its digest."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start = urllib.request.Request(f"http://{addr}/v2/{repo}/blobs/uploads/", method="POST")
    with urllib.request.urlopen(start, timeout=30) as response:
        assert response.status == 202, response.status
        location = urllib.parse.urljoin(f"http://{addr}/", response.headers["Location"])
    separator = "&" if "?" in location else "?"
    finish = urllib.request.Request(
        f"{location}{separator}digest={digest}",
        data=data,
        method="PUT",
        headers={"Content-Type": "application/octet-stream"},
    )
    with urllib.request.urlopen(finish, timeout=60) as response:
        assert response.status == 201, response.status
    return digest
