"""Typed registry failures: one class per distribution error code, carrying the HTTP status.

A registry answers a failed request with a status and a JSON body of ``errors`` whose
``code`` says what went wrong (distribution specification, "Error codes").
:func:`response_error` turns them into the class that names that failure, with a hint on
what to do; callers catch the class (``except BlobUnknown``) instead of comparing strings.
Messages never hold credentials, tokens, or the query of a URL that may carry a signature:
:func:`redact` is applied to every URL a message names.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import ClassVar

from imagekit.errors import RegistryError

#: Query parameters that carry no secret and help a reader: kept when a URL is shown.
_SAFE_QUERY = frozenset({"n", "last", "digest", "mount", "from"})


def redact(url: str) -> str:
    """``url`` with the values of its query parameters hidden, but for harmless ones.

    S3 presigned redirects carry ``X-Amz-Signature`` and credentials in the query, upload
    session URLs a signed ``_state``: none of that belongs in a message or a log line.
    """
    parts = urllib.parse.urlsplit(url)
    if not parts.query:
        return url
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    shown = "&".join(f"{k}={v if k in _SAFE_QUERY else '[redacted]'}" for k, v in pairs)
    return urllib.parse.urlunsplit(parts._replace(query=shown, fragment=""))


class RegistryUnreachable(RegistryError):
    """The connection failed, was dropped or timed out: no HTTP answer."""


class DigestMismatch(RegistryError):
    """The registry's answer names another digest than the content we sent or asked for."""


class RegistryResponseError(RegistryError):
    """The registry answered with an error status; ``codes`` are its error codes."""

    #: The error code this class stands for ("" for the status-only classes).
    code: ClassVar[str] = ""
    #: What to do, when the caller gives no hint of its own.
    advice: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        status: int,
        codes: tuple[str, ...] = (),
        hint: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.codes = codes
        #: The answer's ``Retry-After``, for a caller that retries on its own.
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """A failure that may pass when the request is sent again (408, 429, 5xx)."""
        return self.status in (408, 429) or self.status >= 500


class Unauthorized(RegistryResponseError):
    code = "UNAUTHORIZED"
    advice = "log in to this registry (docker login) or check the credentials"


class Denied(RegistryResponseError):
    code = "DENIED"
    advice = "check that the credentials may pull and push this repository"


class NameUnknown(RegistryResponseError):
    code = "NAME_UNKNOWN"
    advice = "check the repository name; some registries (ECR) need the repository made first"


class NameInvalid(RegistryResponseError):
    code = "NAME_INVALID"
    advice = "check the repository name"


class ManifestUnknown(RegistryResponseError):
    code = "MANIFEST_UNKNOWN"
    advice = "check the tag or digest"


class ManifestInvalid(RegistryResponseError):
    code = "MANIFEST_INVALID"
    advice = "the registry may not accept this manifest type (try --oci, or without it)"


class ManifestBlobUnknown(RegistryResponseError):
    code = "MANIFEST_BLOB_UNKNOWN"
    advice = "a blob the manifest names is missing from the repository; push again"


class BlobUnknown(RegistryResponseError):
    code = "BLOB_UNKNOWN"
    advice = "the blob is not in this repository; push it first"


class BlobUploadUnknown(RegistryResponseError):
    code = "BLOB_UPLOAD_UNKNOWN"
    advice = "the upload session expired or was cancelled; push again"


class BlobUploadInvalid(RegistryResponseError):
    code = "BLOB_UPLOAD_INVALID"
    advice = "the registry refused the upload; push again, or without --chunk-size"


class DigestInvalid(RegistryResponseError):
    code = "DIGEST_INVALID"
    advice = "the content sent does not match its digest; check the source image"


class SizeInvalid(RegistryResponseError):
    code = "SIZE_INVALID"
    advice = "the content sent does not match its size; check the source image"


class Unsupported(RegistryResponseError):
    code = "UNSUPPORTED"
    advice = "the registry does not support this operation (deletes may be switched off)"


class TooManyRequests(RegistryResponseError):
    code = "TOOMANYREQUESTS"
    advice = "the registry limits requests; try again later, or with fewer --jobs"


class ServerFailed(RegistryResponseError):
    """A 5xx without a more specific code."""

    advice = "the registry failed; try again later"


class RequestFailed(RegistryResponseError):
    """Any other error status."""


_BY_CODE: dict[str, type[RegistryResponseError]] = {
    cls.code: cls
    for cls in (
        Unauthorized,
        Denied,
        NameUnknown,
        NameInvalid,
        ManifestUnknown,
        ManifestInvalid,
        ManifestBlobUnknown,
        BlobUnknown,
        BlobUploadUnknown,
        BlobUploadInvalid,
        DigestInvalid,
        SizeInvalid,
        Unsupported,
        TooManyRequests,
    )
}
_BY_STATUS: dict[int, type[RegistryResponseError]] = {
    401: Unauthorized,
    403: Denied,
    405: Unsupported,
    429: TooManyRequests,
}


def error_class(status: int, codes: tuple[str, ...]) -> type[RegistryResponseError]:
    """The class for an answer: by its first known code, else by its status."""
    for code in codes:
        if code in _BY_CODE:
            return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerFailed if status >= 500 else RequestFailed


def response_error(
    message: str,
    *,
    status: int,
    codes: tuple[str, ...] = (),
    hint: str | None = None,
    retry_after: str | None = None,
) -> RegistryResponseError:
    """The typed error for an answer; ``hint`` None takes the class's own."""
    cls = error_class(status, codes)
    return cls(
        message, status=status, codes=codes, hint=hint or cls.advice, retry_after=retry_after
    )


def error_codes(body: bytes) -> tuple[tuple[str, ...], str]:
    """The error codes of an error body, and a summary (``CODE: message; ...``)."""
    codes: list[str] = []
    details: list[str] = []
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        for entry in data["errors"]:
            if isinstance(entry, dict):
                code = str(entry.get("code", "")) or "UNKNOWN"
                codes.append(code)
                message = " ".join(str(entry.get("message", "")).split())
                details.append(f"{code}: {message}" if message else code)
    return tuple(codes), "; ".join(details)
