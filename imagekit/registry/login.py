"""Checking credentials against a registry before they are stored, as ``docker login`` does.

``GET /v2/`` with the credentials through the registry client's auth flow (Basic, or a
token from the registry's token service): a 200 means the registry takes them; a 401 or
403 from the registry or its token service means it refuses them. Docker Hub's names log
in at ``registry-1.docker.io``.
"""

from __future__ import annotations

from imagekit.errors import RegistryError
from imagekit.registry.auth import Credentials, CredentialsRefused
from imagekit.registry.client import RegistryClient
from imagekit.registry.dockerconfig import HUB_HOSTS, hostname
from imagekit.registry.transport import Transport

HUB_ENDPOINT = "registry-1.docker.io"


def endpoint(registry: str) -> str:
    """The ``HOST[:PORT]`` whose ``/v2/`` answers for ``registry``."""
    host = hostname(registry)
    return HUB_ENDPOINT if host in HUB_HOSTS else host


def check_credentials(
    registry: str,
    credentials: Credentials,
    *,
    insecure: bool = False,
    transport: Transport | None = None,
) -> None:
    """RegistryError unless ``registry`` accepts ``credentials`` for ``GET /v2/``."""
    host = hostname(registry)
    client = RegistryClient(
        endpoint(registry), insecure=insecure, credentials=credentials, transport=transport
    )
    refused = RegistryError(
        f"{host} refused the credentials",
        hint="check the user name and password (or token)",
    )
    try:
        # The client's one request path (auth flow included); /v2/ needs no scope.
        client._send("GET", "/v2/", scope="", what=host).close()
    except CredentialsRefused:
        raise refused from None
    except RegistryError as exc:
        # The client's answer to an error status carries it (RegistryResponseError).
        if getattr(exc, "status", None) in (401, 403):
            raise refused from None
        raise
