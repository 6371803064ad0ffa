"""Amazon ECR: registry credentials from ``ecr:GetAuthorizationToken``.

A private ECR registry is ``ACCOUNT.dkr.ecr.REGION.amazonaws.com`` (``.amazonaws.com.cn``
in China, ``dkr-fips`` for FIPS endpoints). Its password is a token that AWS issues for
12 hours: base64 of ``AWS:PASSWORD`` in ``authorizationToken``, valid until ``expiresAt``.
It is asked for in the host's region, for the host's account (``registryIds``), with
boto3's usual credential chain (environment, ``AWS_PROFILE``, SSO, instance roles ...),
and kept in memory until shortly before it expires. boto3 is imported only here, when a
token is needed.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imagekit.errors import RegistryError
from imagekit.registry.auth import Credentials

_HOST = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr(?:-fips)?\.ecr\.(?P<region>[a-z]+(?:-[a-z]+)+-[0-9]+)"
    r"\.amazonaws\.com(?:\.cn)?(?::443)?$"
)
#: A token is renewed this many seconds before AWS says it expires.
RENEW_MARGIN = 300.0
NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or log in with "
    "`aws sso login`; or store a password with `imagekit registry login`"
)

ClientFactory = Callable[[str], Any]
"""Makes a boto3 ECR client for a region."""


@dataclass(frozen=True, slots=True)
class EcrRegistry:
    account: str
    region: str


def parse_host(registry: str) -> EcrRegistry | None:
    """The account and region of an ECR registry host; None for any other host."""
    match = _HOST.match(registry.strip().lower())
    if match is None:
        return None
    return EcrRegistry(match.group("account"), match.group("region"))


def is_ecr(registry: str) -> bool:
    return parse_host(registry) is not None


def default_clients() -> ClientFactory:
    """ECR clients from one boto3 session (made on first use)."""
    sessions: list[Any] = []

    def make(region: str) -> Any:
        if not sessions:
            try:
                import boto3  # type: ignore[import-untyped]
            except ImportError:
                raise RegistryError(
                    "ECR credentials need boto3, which is not installed",
                    hint="pip install boto3",
                ) from None
            sessions.append(boto3.session.Session())
        return sessions[0].client("ecr", region_name=region)

    return make


class EcrTokens:
    """ECR credentials per registry host, cached until shortly before they expire."""

    def __init__(
        self,
        clients: ClientFactory | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clients = clients or default_clients()
        self._clock = clock
        self._cache: dict[str, tuple[Credentials, float]] = {}

    def get(self, registry: str) -> Credentials:
        """Credentials for the ECR registry ``registry`` (RegistryError for other hosts)."""
        where = parse_host(registry)
        if where is None:
            raise RegistryError(f"{registry} is not an Amazon ECR registry host")
        cached = self._cache.get(registry)
        if cached is not None and self._clock() < cached[1] - RENEW_MARGIN:
            return cached[0]
        credentials, expires = self._fetch(registry, where)
        self._cache[registry] = (credentials, expires)
        return credentials

    def _fetch(self, registry: str, where: EcrRegistry) -> tuple[Credentials, float]:
        from botocore.exceptions import (  # type: ignore[import-untyped]
            BotoCoreError,
            ClientError,
            NoCredentialsError,
        )

        what = f"{registry}: ECR GetAuthorizationToken in {where.region}"
        try:
            client = self._clients(where.region)
            answer = client.get_authorization_token(registryIds=[where.account])
        except NoCredentialsError:
            raise RegistryError(
                f"{registry}: no AWS credentials for Amazon ECR", hint=NO_CREDENTIALS_HINT
            ) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "error")
            message = " ".join(str(error.get("Message", "")).split())
            raise RegistryError(
                f"{what} failed: {code}" + (f": {message}" if message else ""),
                hint="check that the AWS identity may call ecr:GetAuthorizationToken",
            ) from None
        except BotoCoreError as exc:
            raise RegistryError(f"{what} failed: {' '.join(str(exc).split())}") from None
        return _decode(answer, what)


def _decode(answer: Any, what: str) -> tuple[Credentials, float]:
    data = answer.get("authorizationData") if isinstance(answer, dict) else None
    entry = data[0] if isinstance(data, list) and data else {}
    token = entry.get("authorizationToken") if isinstance(entry, dict) else None
    try:
        user, colon, password = base64.b64decode(str(token), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        colon = ""
    if not token or not colon:
        raise RegistryError(f"{what}: the answer holds no authorization token")
    expires_at = entry.get("expiresAt")
    expires = expires_at.timestamp() if isinstance(expires_at, datetime.datetime) else 0.0
    return Credentials(user, password), float(expires)
