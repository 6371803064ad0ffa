"""A client of the distribution API (``/v2/``): manifests, blobs, tags and the catalog.

Plain HTTP is used for loopback hosts (``localhost``, ``127.0.0.0/8``, ``[::1]``) and for
registries the caller marks insecure; HTTPS otherwise. Failures become RegistryError with
the registry's own error codes (``MANIFEST_UNKNOWN``, ``BLOB_UNKNOWN``, ...) and the
reference they concern.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from imagekit.errors import ImageError, RegistryError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.auth import Authenticator, Credentials, pull_scope
from imagekit.registry.stream import verified
from imagekit.registry.transport import Response, Transport

#: The distribution registry refuses manifests above 4 MiB; we read no more than that.
MAX_MANIFEST = 4 << 20
MAX_JSON = 16 << 20


class RegistryResponseError(RegistryError):
    """The registry answered with an error status; ``codes`` are its error codes."""

    def __init__(
        self, message: str, *, status: int, codes: tuple[str, ...] = (), hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.codes = codes


@dataclass(frozen=True, slots=True)
class FetchedManifest:
    """A manifest or index as the registry sent it: media type, digest and bytes."""

    media_type: str
    digest: Digest
    raw: bytes


@dataclass(frozen=True, slots=True)
class BlobInfo:
    media_type: str
    digest: Digest
    size: int


def is_loopback(registry: str) -> bool:
    """Whether ``HOST[:PORT]`` is this machine (then plain HTTP is the default)."""
    if registry.startswith("["):
        host = registry[1 : registry.find("]")]
    else:
        host = registry.partition(":")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RegistryClient:
    """Talks to one registry (``HOST[:PORT]``)."""

    def __init__(
        self,
        registry: str,
        *,
        insecure: bool = False,
        credentials: Credentials | None = None,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        scheme = "http" if insecure or is_loopback(registry) else "https"
        self.base = f"{scheme}://{registry}"
        self._transport = transport or Transport()
        self._auth = Authenticator(self._transport, credentials, clock)

    # -- requests ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        what: str,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
    ) -> Response:
        url = self.base + path
        sent = dict(headers or {})
        authorization = self._auth.header(scope)
        if authorization:
            sent["Authorization"] = authorization
        response = self._transport.request(method, url, sent)
        if response.status == 401:
            challenge = response.header("WWW-Authenticate")
            response.close()
            sent["Authorization"] = self._auth.answer(challenge, scope, what)
            response = self._transport.request(method, url, sent)
        if response.status not in ok:
            raise self._error(response, method, what)
        return response

    def _error(self, response: Response, method: str, what: str) -> RegistryResponseError:
        body = b"" if method == "HEAD" else response.read(1 << 16)
        response.close()
        codes: list[str] = []
        details: list[str] = []
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("errors"), list):
            for entry in data["errors"]:
                if isinstance(entry, dict):
                    code = str(entry.get("code", "")) or "UNKNOWN"
                    codes.append(code)
                    message = str(entry.get("message", ""))
                    details.append(f"{code}: {message}" if message else code)
        summary = "; ".join(details) or response.reason or "request failed"
        hint = None
        if response.status in (401, 403):
            hint = "check the credentials and that they may pull this repository"
        elif response.status == 429:
            hint = "the registry limits requests; try again later"
        return RegistryResponseError(
            f"{what}: {summary} (HTTP {response.status})",
            status=response.status,
            codes=tuple(codes),
            hint=hint,
        )

    def _json(self, path: str, *, scope: str, what: str) -> Any:
        response = self._send("GET", path, scope=scope, what=what)
        body = response.read(MAX_JSON)
        response.close()
        try:
            return json.loads(body)
        except ValueError:
            raise RegistryError(f"{what}: the registry sent no JSON") from None

    # -- API -----------------------------------------------------------------------------

    def ping(self) -> None:
        """GET /v2/: RegistryError unless the registry answers (401 counts: it is there)."""
        self._send("GET", "/v2/", scope="", what=self.registry, ok=frozenset({200, 401})).close()

    def get_manifest(self, repository: str, identifier: str) -> FetchedManifest:
        """The manifest or index ``identifier`` (a tag or a digest) names, digest-checked."""
        what = _name(self.registry, repository, identifier)
        response = self._send(
            "GET",
            f"/v2/{repository}/manifests/{identifier}",
            scope=pull_scope(repository),
            what=what,
            headers={"Accept": mediatype.ACCEPT},
        )
        raw = response.read(MAX_MANIFEST + 1)
        header_digest = response.header("Docker-Content-Digest")
        content_type = (response.header("Content-Type") or "").split(";")[0].strip()
        response.close()
        if len(raw) > MAX_MANIFEST:
            raise ImageError(f"{what}: the manifest is larger than {MAX_MANIFEST} bytes")
        digest = Digest.of_bytes(raw)
        expected: list[Digest] = []
        if not _is_tag(identifier):
            expected.append(Digest.parse(identifier))
        if header_digest:
            try:
                expected.append(Digest.parse(header_digest.strip()))
            except ImageError:
                raise ImageError(
                    f"{what}: malformed Docker-Content-Digest {header_digest!r}"
                ) from None
        for wanted in expected:
            actual = Digest.of_bytes(raw, wanted.algorithm)
            if actual != wanted:
                raise ImageError(f"{what}: the manifest's digest is {actual}, not {wanted}")
        media_type = _declared_type(raw) or content_type
        return FetchedManifest(media_type, digest, raw)

    def head_manifest(self, repository: str, identifier: str) -> BlobInfo:
        """Media type, digest and size of a manifest, without its body."""
        what = _name(self.registry, repository, identifier)
        response = self._send(
            "HEAD",
            f"/v2/{repository}/manifests/{identifier}",
            scope=pull_scope(repository),
            what=what,
            headers={"Accept": mediatype.ACCEPT},
        )
        response.close()
        return self._info(response, what)

    def blob_info(self, repository: str, digest: Digest) -> BlobInfo:
        """HEAD of a blob: its size (and digest) without downloading it."""
        what = f"{self.registry}/{repository}@{digest}"
        response = self._send(
            "HEAD", f"/v2/{repository}/blobs/{digest}", scope=pull_scope(repository), what=what
        )
        response.close()
        return self._info(response, what, digest)

    def _info(self, response: Response, what: str, digest: Digest | None = None) -> BlobInfo:
        try:
            size = int(response.header("Content-Length") or "")
            header = response.header("Docker-Content-Digest")
            found = Digest.parse(header.strip()) if header else digest
        except (ValueError, ImageError):
            raise RegistryError(f"{what}: the registry's answer lacks a size or digest") from None
        if found is None:
            raise RegistryError(f"{what}: the registry's answer lacks a digest")
        media_type = (response.header("Content-Type") or "").split(";")[0].strip()
        return BlobInfo(media_type, found, size)

    def open_blob(self, repository: str, digest: Digest, size: int | None = None) -> BinaryIO:
        """The blob streamed (redirects followed), verified against ``digest`` and ``size``."""
        what = f"{self.registry}/{repository}@{digest}"
        response = self._send(
            "GET", f"/v2/{repository}/blobs/{digest}", scope=pull_scope(repository), what=what
        )
        return verified(response.stream, digest, size, what, response.close)

    def read_blob(self, repository: str, digest: Digest, size: int, limit: int = MAX_JSON) -> bytes:
        """A small blob (a config) in memory, verified."""
        what = f"{self.registry}/{repository}@{digest}"
        if size > limit:
            raise ImageError(f"{what}: the blob is {size} bytes, more than the {limit} allowed")
        with self.open_blob(repository, digest, size) as stream:
            return stream.read()

    def tags(self, repository: str) -> list[str]:
        """The repository's tags (``/v2/REPO/tags/list``; pagination not followed)."""
        what = f"{self.registry}/{repository}"
        data = self._json(f"/v2/{repository}/tags/list", scope=pull_scope(repository), what=what)
        tags = data.get("tags") if isinstance(data, dict) else None
        return [str(t) for t in tags] if isinstance(tags, list) else []

    def catalog(self, limit: int = 1000) -> list[str]:
        """Repository names (``/v2/_catalog``, first page of ``limit``)."""
        data = self._json(
            f"/v2/_catalog?n={limit}", scope="registry:catalog:*", what=f"{self.registry} catalog"
        )
        names = data.get("repositories") if isinstance(data, dict) else None
        return [str(n) for n in names] if isinstance(names, list) else []


def _is_tag(identifier: str) -> bool:
    return ":" not in identifier


def _name(registry: str, repository: str, identifier: str) -> str:
    joiner = ":" if _is_tag(identifier) else "@"
    return f"{registry}/{repository}{joiner}{identifier}"


def _declared_type(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ""
    value = data.get("mediaType") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""
