"""Registry authentication: anonymous, Basic, and the Bearer token flow.

A registry that wants credentials answers 401 with ``WWW-Authenticate``. For ``Basic``
the client resends with the user's credentials. For ``Bearer`` it asks the token service
named by ``realm`` for a token with ``service`` and the ``scope`` of the operation
(``repository:REPO:pull``), sending the credentials as Basic auth when there are any
(anonymous otherwise), and resends with ``Authorization: Bearer TOKEN``.

Credentials whose user name is ``<token>`` (:data:`IDENTITY_TOKEN_USER`, the docker
credential helpers' convention) carry an identity token, an OAuth2 refresh token, as the
password: the token service is then asked by POST with ``grant_type=refresh_token`` (the
distribution project's OAuth2 token protocol) instead of GET with Basic auth. A registry
that wants Basic auth cannot take an identity token.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from imagekit.errors import RegistryError
from imagekit.registry.transport import Response, Transport

_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')
#: Tokens without ``expires_in`` live 60 s (the token specification's default).
DEFAULT_TOKEN_LIFETIME = 60.0
#: The user name that marks the password as an identity token (an OAuth2 refresh token).
IDENTITY_TOKEN_USER = "<token>"
#: The ``client_id`` sent with a refresh-token grant.
OAUTH_CLIENT_ID = "imagekit"


class CredentialsRefused(RegistryError):
    """The registry or its token service refused the credentials (401 or 403)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)

    @property
    def is_identity_token(self) -> bool:
        """Whether the password is an identity token (user name ``<token>``)."""
        return self.username == IDENTITY_TOKEN_USER

    def basic(self) -> str:
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lowercase: "basic" or "bearer"
    params: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str:
        return dict(self.params).get(key, "")


def parse_challenge(header: str) -> Challenge:
    """The first challenge of a ``WWW-Authenticate`` value (registries send one)."""
    scheme, _, rest = header.strip().partition(" ")
    params: list[tuple[str, str]] = []
    position = 0
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if not match or match.end() == position:
            break
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare or ""
        params.append((match.group(1).lower(), value))
        position = match.end()
    return Challenge(scheme.lower(), tuple(params))


def pull_scope(repository: str) -> str:
    return f"repository:{repository}:pull"


class Authenticator:
    """Answers challenges and caches Bearer tokens per scope; one per registry client."""

    def __init__(
        self,
        transport: Transport,
        credentials: Credentials | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._credentials = credentials
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._basic = False

    def header(self, scope: str) -> str | None:
        """The Authorization value for ``scope`` that an earlier challenge earned, if any."""
        if self._basic and self._credentials is not None:
            return self._credentials.basic()
        cached = self._tokens.get(scope)
        if cached is not None and cached[1] > self._clock():
            return f"Bearer {cached[0]}"
        return None

    def answer(self, header: str | None, scope: str, what: str) -> str:
        """The Authorization value answering a 401 with ``WWW-Authenticate: header``."""
        if not header:
            raise RegistryError(f"{what}: the registry refused access (401) without a challenge")
        challenge = parse_challenge(header)
        if challenge.scheme == "basic":
            if self._credentials is None:
                raise RegistryError(
                    f"{what}: the registry asks for a user name and password",
                    hint="pass credentials for this registry",
                )
            if self._credentials.is_identity_token:
                raise RegistryError(
                    f"{what}: the registry asks for a user name and password, and the stored "
                    "credentials are an identity token",
                    hint="log in with a user name and password",
                )
            self._basic = True
            return self._credentials.basic()
        if challenge.scheme == "bearer":
            token = self._fetch_token(challenge, scope, what)
            return f"Bearer {token}"
        raise RegistryError(f"{what}: unsupported authentication scheme {challenge.scheme!r}")

    def _fetch_token(self, challenge: Challenge, scope: str, what: str) -> str:
        realm = challenge.get("realm")
        if not realm.startswith(("https://", "http://")):
            raise RegistryError(f"{what}: the registry's token realm {realm!r} is not a URL")
        service = challenge.get("service")
        started = self._clock()
        if self._credentials is not None and self._credentials.is_identity_token:
            response = self._refresh_grant(realm, service, scope, self._credentials.password)
        else:
            response = self._token_get(realm, service, scope)
        body = response.read()
        if response.status != 200:
            refused = response.status in (401, 403)
            raise (CredentialsRefused if refused else RegistryError)(
                f"{what}: the token service at {realm} answered {response.status} {response.reason}",
                hint="check the credentials" if refused else None,
            )
        try:
            data = json.loads(body)
        except ValueError:
            raise RegistryError(f"{what}: the token service sent no JSON") from None
        token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"{what}: the token service's answer holds no token")
        lifetime = data.get("expires_in")
        if not isinstance(lifetime, int | float) or isinstance(lifetime, bool) or lifetime <= 0:
            lifetime = DEFAULT_TOKEN_LIFETIME
        self._tokens[scope] = (token, started + float(lifetime))
        return token

    def _token_get(self, realm: str, service: str, scope: str) -> Response:
        """The token specification's GET, with the credentials as Basic auth if any."""
        # several scopes (a mount: push here, pull there) go as one ``scope`` each
        query = [("service", service)] if service else []
        query += [("scope", part) for part in scope.split()]
        separator = "&" if urllib.parse.urlsplit(realm).query else "?"
        url = realm + (separator + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json"}
        if self._credentials is not None:
            headers["Authorization"] = self._credentials.basic()
        return self._transport.request("GET", url, headers)

    def _refresh_grant(self, realm: str, service: str, scope: str, refresh: str) -> Response:
        """The OAuth2 POST exchanging a refresh token (an identity token) for an access token."""
        form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("service", service),
            ("client_id", OAUTH_CLIENT_ID),
        ]
        if scope:
            form.append(("scope", scope))
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urllib.parse.urlencode(form).encode("ascii")
        return self._transport.request("POST", realm, headers, body)
