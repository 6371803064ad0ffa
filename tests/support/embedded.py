"""Helpers for tests of the embedded registry (imagekit/services): free ports, what a
process listens on, HTTP with auth and TLS, a small image put through the distribution
API, and extra docker-registry processes from a rendered config."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listeners(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket ``pid`` listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, v6 in (("tcp", False), ("tcp6", True)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            host_hex, port_hex = local.split(":")
            raw = bytes.fromhex(host_hex)
            if v6:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                host = socket.inet_ntop(socket.AF_INET6, words)
            else:
                host = socket.inet_ntop(socket.AF_INET, raw[::-1])
            found.add((host, int(port_hex, 16)))
    return found


@dataclass(frozen=True)
class Http:
    """Requests to one registry: ``base`` URL, optional basic auth and CA file."""

    base: str
    user: str | None = None
    password: str | None = None
    ca: Path | None = None

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        follow: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
        if self.user is not None:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if self.ca is not None:
            context = ssl.create_default_context(cafile=str(self.ca))
            handlers.append(urllib.request.HTTPSHandler(context=context))
        if not follow:
            handlers.append(_NoRedirect())
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True)
class Pushed:
    repo: str
    tag: str
    manifest: bytes
    blobs: dict[str, bytes]


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def upload_blob(http: Http, repo: str, data: bytes) -> str:
    """A monolithic upload (POST, then PUT with the digest)."""
    status, headers, _ = http.request("POST", f"/v2/{repo}/blobs/uploads/")
    assert status == 202, status
    location = urllib.parse.urljoin(http.base + "/", headers["Location"])
    digest = digest_of(data)
    separator = "&" if "?" in location else "?"
    status, _, body = http.request(
        "PUT",
        f"{location}{separator}digest={digest}",
        data,
        {"Content-Type": "application/octet-stream"},
    )
    assert status == 201, (status, body[:300])
    return digest


def push_image(http: Http, repo: str, tag: str = "v1", layer: bytes | None = None) -> Pushed:
    """A one-layer OCI image (random-free, so reproducible) through the distribution API."""
    layer = layer if layer is not None else b"imagekit layer " * 4096
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [digest_of(layer)]},
        }
    ).encode()
    blobs = {upload_blob(http, repo, config): config, upload_blob(http, repo, layer): layer}
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": digest_of(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": digest_of(layer),
                    "size": len(layer),
                }
            ],
        },
        separators=(",", ":"),
    ).encode()
    status, _, body = http.request(
        "PUT", f"/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": MANIFEST}
    )
    assert status == 201, (status, body[:300])
    return Pushed(repo, tag, manifest, blobs)


def assert_pulled(http: Http, pushed: Pushed) -> None:
    """The manifest and every blob of ``pushed`` come back from ``http`` byte for byte."""
    status, _, manifest = http.request(
        "GET", f"/v2/{pushed.repo}/manifests/{pushed.tag}", headers={"Accept": MANIFEST}
    )
    assert status == 200, status
    assert manifest == pushed.manifest
    for digest, data in pushed.blobs.items():
        status, _, body = http.request("GET", f"/v2/{pushed.repo}/blobs/{digest}")
        assert status == 200, status
        assert body == data


def wait_answering(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = Http(url).request("GET", "/v2/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@contextmanager
def docker_registry(
    config: Path, env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A docker-registry serving ``config``, stopped at the end whatever happens."""
    with log.open("ab") as sink:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
