"""Blob uploads (distribution specification, "Pushing blobs"): sessions, mounts, one PUT.

An upload starts with ``POST /v2/<name>/blobs/uploads/``, which answers 202 and the
session's ``Location`` (relative or absolute). By default the blob then goes in ONE
``PUT <location>?digest=<digest>`` whose body is streamed from its source: distribution
2.8 ignores ``Content-Range`` on chunks and ECR drops chunks after the first, and one PUT
is also the fastest (12 MiB: 0.89 s in one PUT, 3.58 s in 1 MiB chunks, measured on the
test registry). ``chunk_size`` sends ``PATCH`` requests with ``Content-Range`` instead,
then an empty ``PUT ?digest=``.

``POST ...?mount=<digest>&from=<repo>`` asks for a cross-repository mount: 201 means the
blob is now in the repository; 202 means it was not mounted, and the answer is an upload
session like any other, which the upload then uses.

A request into a session is sent once (the session's state is the registry's): a blob
whose upload fails midway (a dropped connection, 408, 429, 5xx, an expired session) is
sent again whole, from a new session, after the transport's backoff. What is sent is
hashed as it goes and must be the digest claimed (:class:`SendingReader`).
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal

from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient, mount_scope, push_scope
from imagekit.registry.errors import (
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestMismatch,
    RegistryResponseError,
    RegistryUnreachable,
)
from imagekit.registry.stream import SendingReader
from imagekit.registry.transport import Body

Action = Literal["uploaded", "mounted", "skipped"]
#: Mount candidates tried per blob at most (each failed one costs a request).
MAX_MOUNTS = 3
_OCTETS = {"Content-Type": "application/octet-stream"}


@dataclass(frozen=True, slots=True)
class BlobToSend:
    """A blob as it will be sent: digest, size, media type, and how to read it afresh."""

    digest: Digest
    size: int
    media_type: str
    open: Callable[[], BinaryIO]


@dataclass(frozen=True, slots=True)
class UploadSession:
    """An upload in progress: the repository and the session's absolute URL."""

    repository: str
    location: str


@dataclass(frozen=True, slots=True)
class Sent:
    """What sending a blob to one repository did, and the blob bytes that went out."""

    action: Action
    sent_bytes: int
    mounted_from: str = ""
    #: The digest the repository now holds.
    digest: Digest | None = None


def _with_query(url: str, **params: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def start_upload(
    client: RegistryClient,
    repository: str,
    *,
    mount: Digest | None = None,
    source: str | None = None,
) -> UploadSession | None:
    """POST a new upload session; with ``mount``/``source`` a mount: None when mounted."""
    path = f"/v2/{repository}/blobs/uploads/"
    scope = push_scope(repository)
    if mount is not None and source:
        path += "?" + urllib.parse.urlencode({"mount": str(mount), "from": source})
        scope = mount_scope(repository, source)
    what = f"{client.registry}/{repository}@{mount}" if mount else f"{client.registry}/{repository}"
    response = client.send(
        "POST", path, scope=scope, what=f"{what}: starting an upload", ok=frozenset({201, 202})
    )
    location = response.header("Location")
    response.read()
    if response.status == 201:
        return None
    if not location:
        raise RegistryUnreachable(f"{what}: the registry started an upload without a Location")
    return UploadSession(repository, client.url(location))


def _session_from(client: RegistryClient, session: UploadSession, location: str | None) -> str:
    return client.url(location) if location else session.location


def put_blob(
    client: RegistryClient, session: UploadSession, digest: Digest, body: Body | None
) -> None:
    """The closing ``PUT ?digest=``, with the whole blob as its body (or none after chunks)."""
    what = f"{client.registry}/{session.repository}@{digest}"
    response = client.send(
        "PUT",
        _with_query(session.location, digest=str(digest)),
        scope=push_scope(session.repository),
        what=what,
        headers=_OCTETS,
        body=body if body is not None else b"",
        ok=frozenset({201, 204}),
        attempts=1,
    )
    header = response.header("Docker-Content-Digest")
    response.read()
    if header and header.strip() != str(digest):
        raise DigestMismatch(f"{what}: the registry stored the blob as {header.strip()}")


def patch_chunk(
    client: RegistryClient, session: UploadSession, body: Body, start: int
) -> UploadSession:
    """One ``PATCH`` with ``Content-Range: start-end``; the session to go on with."""
    what = f"{client.registry}/{session.repository}: uploading bytes {start}+{body.length}"
    headers = {**_OCTETS, "Content-Range": f"{start}-{start + body.length - 1}"}
    response = client.send(
        "PATCH",
        session.location,
        scope=push_scope(session.repository),
        what=what,
        headers=headers,
        body=body,
        ok=frozenset({202, 204}),
        attempts=1,
    )
    location = response.header("Location")
    response.read()
    return UploadSession(session.repository, _session_from(client, session, location))


def cancel_upload(client: RegistryClient, session: UploadSession) -> None:
    """DELETE a session no longer wanted; failures are of no consequence."""
    with contextlib.suppress(RegistryUnreachable, RegistryResponseError):
        client.send(
            "DELETE",
            session.location,
            scope=push_scope(session.repository),
            what=f"{client.registry}/{session.repository}: cancelling an upload",
            ok=frozenset({200, 202, 204, 404}),
            attempts=1,
        ).close()


class _ChunkResent(RegistryUnreachable):
    """A chunk was asked for twice (an authentication round): the blob starts over."""


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, RegistryUnreachable):
        return True
    if isinstance(exc, BlobUploadUnknown | BlobUploadInvalid):
        return True
    return isinstance(exc, RegistryResponseError) and exc.retryable


class _Slice:
    """The next ``length`` bytes of a reader shared by the chunks; closing leaves it open."""

    def __init__(self, reader: SendingReader, length: int) -> None:
        self._reader = reader
        self._left = length

    def read(self, amount: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if amount is None or amount < 0 else min(amount, self._left)
        data = self._reader.read(want)
        self._left -= len(data)
        return data

    def close(self) -> None:
        pass


def _send_chunks(
    client: RegistryClient,
    session: UploadSession,
    blob: BlobToSend,
    reader: SendingReader,
    chunk_size: int,
) -> None:
    offset = 0
    while offset < blob.size:
        length = min(chunk_size, blob.size - offset)
        opened: list[bool] = []

        def open_slice(length: int = length, opened: list[bool] = opened) -> BinaryIO:
            if opened:
                raise _ChunkResent(f"{blob.digest}: a chunk had to be sent again")
            opened.append(True)
            return _Slice(reader, length)  # type: ignore[return-value]

        session = patch_chunk(client, session, Body(open_slice, length), offset)
        offset += length
    reader.read()  # the end: the digest is checked before the closing PUT
    put_blob(client, session, blob.digest, None)


def upload(
    client: RegistryClient,
    repository: str,
    blob: BlobToSend,
    *,
    session: UploadSession | None = None,
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Upload ``blob`` (into ``session`` when given, else a new one); the bytes sent.

    Retried whole from a new session as the module's docs say; ImageError when the
    content is not what ``blob`` claims (never retried).
    """
    policy = client.transport.retry
    attempts = max(1, policy.attempts)
    total = 0
    what = f"{client.registry}/{repository}@{blob.digest}"
    for attempt in range(attempts):
        readers: list[SendingReader] = []

        def open_body(readers: list[SendingReader] = readers) -> BinaryIO:
            reader = SendingReader(blob.open(), blob.digest, blob.size, what, on_progress)
            readers.append(reader)
            return reader  # type: ignore[return-value]

        try:
            session = session or start_upload(client, repository)
            assert session is not None
            if chunk_size:
                reader = open_body()
                try:
                    _send_chunks(client, session, blob, reader, chunk_size)  # type: ignore[arg-type]
                finally:
                    reader.close()
            else:
                put_blob(client, session, blob.digest, Body(open_body, blob.size))
            return total + sum(r.sent for r in readers)
        except Exception as exc:
            total += sum(r.sent for r in readers)
            if attempt == attempts - 1 or not _retryable(exc):
                raise
            if session is not None:
                cancel_upload(client, session)
            session = None
            retry_after = exc.retry_after if isinstance(exc, RegistryResponseError) else None
            client.transport.sleep(policy.delay(attempt, retry_after))
    raise AssertionError("unreachable")  # pragma: no cover


def send_blob(
    client: RegistryClient,
    repository: str,
    digest: Digest,
    size: int,
    resolve: Callable[[], BlobToSend],
    *,
    candidates: Sequence[str] = (),
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Sent:
    """Make ``repository`` hold the blob ``digest`` (``size`` bytes): skipped when HEAD
    finds it, else mounted from one of ``candidates`` (repositories of the same registry),
    else uploaded as ``resolve()`` gives it.

    ``resolve`` is called only for an upload, so a blob that must be made first (a layer
    compressed by the push) is made only then. When what it gives has another digest (a
    recorded digest gone stale), that one is pushed instead: see ``Sent.digest``.
    """
    info = client.blob_exists(repository, digest)
    if info is not None and info.size == size:
        return Sent("skipped", 0, digest=digest)
    session: UploadSession | None = None
    tried = [c for c in dict.fromkeys(candidates) if c and c != repository][:MAX_MOUNTS]
    for source in tried:
        if session is not None:
            cancel_upload(client, session)
        session = start_upload(client, repository, mount=digest, source=source)
        if session is None:
            return Sent("mounted", 0, source, digest)
    blob = resolve()
    if blob.digest != digest:
        if session is not None:
            cancel_upload(client, session)
        return send_blob(
            client,
            repository,
            blob.digest,
            blob.size,
            lambda: blob,
            chunk_size=chunk_size,
            on_progress=on_progress,
        )
    sent = upload(
        client,
        repository,
        blob,
        session=session,
        chunk_size=chunk_size,
        on_progress=on_progress,
    )
    return Sent("uploaded", sent, digest=digest)
