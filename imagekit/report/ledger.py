"""The size ledger: one S3 object per push record, and a blob index beside it.

Layout under the ledger's ``PREFIX/`` in ``BUCKET``::

    records/REGISTRY/REPOSITORY/_pushes/IIIIIIIIIIIII-NNNNNNNNNNNN-TAG.json
    blobs/REGISTRY/ALGORITHM/HEX/REPOSITORY          (empty objects)

A record is never rewritten: each push PUTs a new key, so concurrent pushes cannot lose
one another's records. ``IIIIIIIIIIIII`` is 10^13 - 1 minus the push time in
milliseconds, 13 digits: S3 lists keys in ascending order, so a repository's records
come newest first from one prefix listing, and reading the newest N stops after N keys
(of the wanted tag: the tag is in the key, so filtering reads no object). ``NNN...`` is
random, so two pushes in the same millisecond get different keys. ``_pushes`` cannot be
a repository path component (those start with a letter or digit), so ``team/app``'s
records never list under ``team``'s prefix.

The blob index answers "which repositories of this registry already hold this blob"
(:meth:`Ledger.blobs_known`) with one listing, so a push can mount a blob from another
repository instead of uploading it. Each push PUTs one empty object per layer, named by
the blob and the repository; a concurrent PUT of the same key writes the same nothing,
so no answer is lost. Computing the answer from records instead would read every
repository's recent records on every push: on a local SeaweedFS, the listing answers in
about 4 ms for a blob held by 20 repositories, reading their 15 newest records each took
0.8 s; an append with 6 layers (7 PUTs) takes about 18 ms. The index can name a blob that the registry
has since deleted (garbage collection): a mount the registry refuses falls back to an
upload, as the distribution spec says a mount may.

boto3 is imported only in :func:`s3_client`; a Ledger works on any client that has the
S3 calls it makes (``put_object``, ``get_object``, ``list_objects_v2``). S3 failures
become :class:`~imagekit.errors.PublishError` naming the bucket and key.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from imagekit.errors import PublishError, UsageError
from imagekit.oci.digest import Digest
from imagekit.report.record import LedgerRecord, parse_record

T = TypeVar("T")
#: Objects read (or blob-index entries written) at once.
WORKERS = 8
MAX_MILLIS = 10**13 - 1
PAGE = 1000
_FILE = re.compile(r"^(\d{13})-([0-9a-f]{12})-([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})\.json$")
_HINTS = {
    "NoSuchBucket": "create the bucket, or name one that exists with --ledger s3://BUCKET/PREFIX",
    "AccessDenied": "use S3 credentials that may read and write the ledger's bucket",
    "InvalidAccessKeyId": "check the S3 access key (AWS_ACCESS_KEY_ID or AWS_PROFILE)",
    "SignatureDoesNotMatch": "check the S3 secret key (AWS_SECRET_ACCESS_KEY or AWS_PROFILE)",
    "NoCredentialsError": "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
    "EndpointConnectionError": "check --s3-endpoint and that the S3 endpoint is running",
}
_DEFAULT_HINT = "check the S3 endpoint, the bucket and the credentials, then try again"


def parse_ledger_url(text: str) -> tuple[str, str]:
    """``s3://BUCKET[/PREFIX]`` as (bucket, prefix); UsageError otherwise."""
    rest = text.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if rest == text or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise UsageError(
            f"--ledger {text!r}: expected s3://BUCKET/PREFIX with a valid bucket name",
            hint="e.g. --ledger s3://ci-artifacts/imagekit-ledger",
        )
    return bucket, prefix.strip("/")


@dataclass(frozen=True, slots=True)
class LedgerRead:
    records: tuple[LedgerRecord, ...]
    """Oldest first."""
    warnings: tuple[str, ...] = ()
    """One line per object skipped (malformed, or gone before it was read)."""


class Ledger:
    """The ledger at ``s3://bucket/prefix`` through ``client`` (a boto3 S3 client)."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        workers: int = WORKERS,
        page_size: int = PAGE,
        nonce: Callable[[], str] = lambda: secrets.token_hex(6),
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.workers = max(1, workers)
        self.page_size = page_size
        self._nonce = nonce

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def records_prefix(self, registry: str, repository: str) -> str:
        return f"{self.prefix}records/{registry}/{repository}/_pushes/"

    def blob_prefix(self, registry: str, digest: Digest) -> str:
        return f"{self.prefix}blobs/{registry}/{digest.algorithm}/{digest.hex}/"

    def record_key(self, record: LedgerRecord) -> str:
        inverted = MAX_MILLIS - round(record.time * 1000)
        name = f"{inverted:013d}-{self._nonce()}-{record.tag}.json"
        return self.records_prefix(record.registry, record.repository) + name

    def append(self, record: LedgerRecord) -> str:
        """Store ``record`` as a new object, and its layers in the blob index; its key."""
        key = self.record_key(record)
        self._put(key, record.to_json(), "application/json")
        markers = {
            self.blob_prefix(record.registry, x.digest) + record.repository for x in record.layers
        }
        self._map(lambda k: self._put(k, b"", "application/octet-stream"), sorted(markers))
        return key

    def blobs_known(self, registry: str, digest: Digest) -> frozenset[str]:
        """The repositories of ``registry`` whose pushes recorded the blob ``digest``."""
        prefix = self.blob_prefix(registry, digest)
        return frozenset(key[len(prefix) :] for key in self._list(prefix, None, None))

    def mount_candidates(self, registries: Iterable[str]) -> Callable[[Digest], list[str]]:
        """For :func:`imagekit.registry.push.push`'s ``mount_candidates``: the
        ``HOST/REPO`` names that recorded a blob, in each of ``registries``."""
        hosts = sorted(set(registries))

        def candidates(digest: Digest) -> list[str]:
            return [f"{h}/{r}" for h in hosts for r in sorted(self.blobs_known(h, digest))]

        return candidates

    def records(
        self, registry: str, repository: str, tag: str | None = None, limit: int | None = 30
    ) -> LedgerRead:
        """The newest ``limit`` records of ``repository`` (None: all), of ``tag`` if given."""
        if limit is not None and limit < 1:
            return LedgerRead(())
        prefix = self.records_prefix(registry, repository)
        warnings: list[str] = []

        def wanted(key: str) -> bool:
            match = _FILE.match(key[len(prefix) :])
            if match is None:
                warnings.append(f"skipped {self._where(key)}: not a ledger record name")
                return False
            return tag is None or match.group(3) == tag

        keys = self._list(prefix, wanted, limit)
        read = self._map(self._read, keys)
        found: list[tuple[float, str, LedgerRecord]] = []
        for key, (record, problem) in zip(keys, read, strict=True):
            if record is not None and (record.registry, record.repository) != (
                registry,
                repository,
            ):
                problem, record = f"it is a record of {record.registry}/{record.repository}", None
            if record is None:
                warnings.append(f"skipped {self._where(key)}: {problem}")
            else:
                found.append((record.time, key, record))
        found.sort(key=lambda item: (item[0], item[1]))
        return LedgerRead(tuple(r for _, _, r in found), tuple(warnings))

    # -- S3 calls ---------------------------------------------------------------------

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _read(self, key: str) -> tuple[LedgerRecord | None, str]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"]
            try:
                raw = body.read()
            finally:
                body.close()
        except Exception as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None, "deleted while the ledger was read"
            raise self._failure("read", key, exc) from None
        try:
            return parse_record(raw), ""
        except ValueError as exc:
            return None, f"malformed record: {exc}"

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except Exception as exc:
            raise self._failure("write", key, exc) from None

    def _list(
        self, prefix: str, wanted: Callable[[str], bool] | None, limit: int | None
    ) -> list[str]:
        keys: list[str] = []
        token: str | None = None
        while True:
            args: dict[str, Any] = {
                "Bucket": self.bucket,
                "Prefix": prefix,
                "MaxKeys": self.page_size,
            }
            if token:
                args["ContinuationToken"] = token
            try:
                page = self.client.list_objects_v2(**args)
            except Exception as exc:
                raise self._failure("list", prefix, exc) from None
            for item in page.get("Contents", []):
                key = item["Key"]
                if wanted is None or wanted(key):
                    keys.append(key)
                    if limit is not None and len(keys) >= limit:
                        return keys
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return keys

    def _map(self, function: Callable[[str], T], keys: Iterable[str]) -> list[T]:
        items = list(keys)
        if len(items) <= 1:
            return [function(k) for k in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(function, items))

    def _failure(self, action: str, key: str, exc: Exception) -> Exception:
        """A PublishError for an S3 failure; anything that is not boto's is left as it is."""
        code = _code(exc)
        if code is None:
            return exc
        message = _message(exc)
        detail = code if not message or message == code else f"{code}: {message}"
        return PublishError(
            f"size ledger: cannot {action} {self._where(key)}: {detail}",
            hint=_HINTS.get(code, _DEFAULT_HINT),
        )


def _code(exc: Exception) -> str | None:
    """The S3 error code of a botocore error (its class name for client-side ones)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return str(error.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    module = type(exc).__module__
    return type(exc).__name__ if module.startswith("botocore") else None


def _message(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return " ".join(str((response.get("Error") or {}).get("Message", "")).split())
    return " ".join(str(exc).split())


def s3_client(
    endpoint: str | None = None,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
    workers: int = WORKERS,
) -> Any:
    """A boto3 S3 client: ``endpoint`` (None: AWS) with path-style addressing, credentials
    given or from boto3's usual chain (environment, ``AWS_PROFILE``, instance roles ...)."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    session = boto3.session.Session()
    config = Config(
        retries={"max_attempts": 5, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=workers + 2,
        s3={"addressing_style": "path"} if endpoint else {},
    )
    return session.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region or session.region_name or "us-east-1",
        config=config,
    )
