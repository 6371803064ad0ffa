"""A client of the distribution API (``/v2/``): manifests, blobs, tags and the catalog,
read and written.

Plain HTTP is used for loopback hosts (``localhost``, ``127.0.0.0/8``, ``[::1]``) and for
registries the caller marks insecure; HTTPS otherwise (``tls=True`` asks for HTTPS on
loopback too, for a registry with a private CA). Failures become the typed errors of
:mod:`imagekit.registry.errors`, carrying the HTTP status, the registry's own error codes
(``MANIFEST_UNKNOWN``, ``BLOB_UNKNOWN``, ...) and the reference they concern.

Writing: :meth:`RegistryClient.put_manifest` and :meth:`RegistryClient.delete_manifest`
here; blob upload sessions (POST, PATCH, PUT, cross-repository mounts) are
:mod:`imagekit.registry.upload`, which sends through :meth:`RegistryClient.send`.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from imagekit.errors import ImageError, RegistryError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.auth import Authenticator, Credentials, pull_scope
from imagekit.registry.errors import (
    DigestMismatch,
    RegistryResponseError,
    error_class,
    error_codes,
    response_error,
)
from imagekit.registry.stream import verified
from imagekit.registry.transport import Body, Response, Transport

__all__ = ["RegistryClient", "RegistryResponseError", "is_loopback", "push_scope"]

#: The distribution registry refuses manifests above 4 MiB; we read no more than that.
MAX_MANIFEST = 4 << 20
MAX_JSON = 16 << 20
#: Pages of tags followed at most (a page is what the registry sends, or ``page_size``).
MAX_PAGES = 1000
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


def push_scope(repository: str) -> str:
    return f"repository:{repository}:pull,push"


def mount_scope(repository: str, source: str) -> str:
    """Push on ``repository`` and pull on ``source``: what a cross-repository mount needs
    (two scopes, space-separated)."""
    return f"{push_scope(repository)} {pull_scope(source)}"


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
        tls: bool = False,
    ) -> None:
        self.registry = registry
        plain = insecure or (is_loopback(registry) and not tls)
        self.base = f"{'http' if plain else 'https'}://{registry}"
        self._transport = transport or Transport()
        self._auth = Authenticator(self._transport, credentials, clock)

    # -- requests ------------------------------------------------------------------------

    @property
    def transport(self) -> Transport:
        return self._transport

    def url(self, path_or_url: str) -> str:
        """An absolute URL: a path is on this registry; a URL (an upload session's
        ``Location``, which may be relative) is resolved against it."""
        return urllib.parse.urljoin(self.base + "/", path_or_url)

    def send(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        what: str,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
        body: bytes | Body | None = None,
        attempts: int | None = None,
    ) -> Response:
        """One request (a path on this registry, or a URL), authenticated for ``scope``.

        A 401 is answered once (the token flow); a status outside ``ok`` raises the typed
        error naming ``what``. The Authorization header goes only to this registry's host.
        ``attempts`` as :meth:`Transport.request` takes it.
        """
        url = self.url(path)
        ours = urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(self.base).netloc
        sent = dict(headers or {})
        authorization = self._auth.header(scope) if ours else None
        if authorization:
            sent["Authorization"] = authorization
        response = self._transport.request(method, url, sent, body, attempts=attempts)
        if response.status == 401 and ours:
            challenge = response.header("WWW-Authenticate")
            response.close()
            sent["Authorization"] = self._auth.answer(challenge, scope, what)
            response = self._transport.request(method, url, sent, body, attempts=attempts)
        if response.status not in ok:
            raise self.error(response, method, what)
        return response

    #: The name the first callers use.
    _send = send

    def error(self, response: Response, method: str, what: str) -> RegistryResponseError:
        """The typed error for an error answer (its body read and the response closed)."""
        body = b"" if method == "HEAD" else response.read(1 << 16)
        response.close()
        codes, summary = error_codes(body)
        if not summary:  # a HEAD's answer has no body: name the code its status stands for
            implied = error_class(response.status, ()).code
            reason = response.reason or "request failed"
            summary = f"{implied}: {reason}" if implied else reason
        return response_error(
            f"{what}: {summary} (HTTP {response.status})",
            status=response.status,
            codes=codes,
            retry_after=response.header("Retry-After"),
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

    def blob_exists(
        self, repository: str, digest: Digest, *, scope: str | None = None
    ) -> BlobInfo | None:
        """HEAD of a blob: its info when the repository has it, None when it does not.

        ``scope`` is the push scope unless given, so that one token serves a push.
        """
        what = f"{self.registry}/{repository}@{digest}"
        response = self.send(
            "HEAD",
            f"/v2/{repository}/blobs/{digest}",
            scope=scope or push_scope(repository),
            what=what,
            ok=frozenset({200, 404}),
        )
        response.close()
        if response.status == 404:
            return None
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

    def tags(self, repository: str, *, page_size: int | None = None) -> list[str]:
        """The repository's tags, every page (``Link: <...>; rel="next"``, ``n=``/``last=``).

        ``page_size`` asks for pages of that many (``n=``); the registry's default else.
        """
        path = f"/v2/{repository}/tags/list"
        if page_size is not None:
            path += f"?n={page_size}"
        what = f"{self.registry}/{repository}"
        return self._pages(path, "tags", scope=pull_scope(repository), what=what)

    def repositories(self, *, page_size: int = 1000) -> list[str]:
        """Every repository name of ``/v2/_catalog``, following its pages.

        ``page_size`` is the ``n=`` asked for (distribution refuses more than 1000).
        """
        return self._pages(
            f"/v2/_catalog?n={page_size}",
            "repositories",
            scope="registry:catalog:*",
            what=f"{self.registry} catalog",
        )

    def _pages(self, path: str, key: str, *, scope: str, what: str) -> list[str]:
        """The strings under ``key`` of a paginated JSON list, every page."""
        found: list[str] = []
        for _ in range(MAX_PAGES):
            response = self.send("GET", path, scope=scope, what=what)
            link = response.header("Link")
            body = response.read(MAX_JSON)
            response.close()
            try:
                data = json.loads(body)
            except ValueError:
                raise RegistryError(f"{what}: the registry sent no JSON {key} list") from None
            items = data.get(key) if isinstance(data, dict) else None
            found += [str(t) for t in items] if isinstance(items, list) else []
            match = _NEXT.search(link or "")
            if not match:
                return found
            path = self.url(match.group(1))
        raise RegistryError(f"{what}: the {key} list has more than {MAX_PAGES} pages")

    def put_manifest(self, repository: str, identifier: str, raw: bytes, media_type: str) -> Digest:
        """PUT a manifest or index under a tag or its digest; the digest the registry took.

        RegistryError (DigestMismatch) when the registry answers another digest than the
        bytes' own.
        """
        what = _name(self.registry, repository, identifier)
        digest = Digest.of_bytes(raw)
        if not _is_tag(identifier) and Digest.parse(identifier) != digest:
            raise ImageError(f"{what}: the manifest's digest is {digest}")
        response = self.send(
            "PUT",
            f"/v2/{repository}/manifests/{identifier}",
            scope=push_scope(repository),
            what=what,
            headers={"Content-Type": media_type},
            body=raw,
            ok=frozenset({200, 201, 202}),
        )
        header = response.header("Docker-Content-Digest")
        response.read()
        if header:
            try:
                answered = Digest.parse(header.strip())
            except ImageError:
                raise DigestMismatch(
                    f"{what}: the registry answered a malformed digest {header!r}"
                ) from None
            if answered != digest:
                raise DigestMismatch(
                    f"{what}: the registry stored the manifest as {answered}, not {digest}",
                    hint="the registry may have rewritten the manifest; push with --oci",
                )
        return digest

    def delete_manifest(self, repository: str, digest: Digest) -> None:
        """DELETE a manifest by digest (every tag naming it goes with it)."""
        self.send(
            "DELETE",
            f"/v2/{repository}/manifests/{digest}",
            scope=f"repository:{repository}:delete",
            what=_name(self.registry, repository, str(digest)),
            ok=frozenset({200, 202}),
        ).close()

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
