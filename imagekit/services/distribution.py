"""The registry: CNCF distribution (Debian's ``docker-registry``) with its s3 storage
driver on the local S3 endpoint, its config rendered into the data directory."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagekit.errors import ServiceError
from imagekit.services.configfile import health, render, storage_extras
from imagekit.services.s3 import Endpoint

REGISTRY_BINARY = "docker-registry"
REGISTRY_HINT = "apt-get install docker-registry"
#: Where the registry keeps its files inside the bucket.
ROOT_DIRECTORY = "/registry"

NO_REDIRECT = (
    "Redirects are off: a redirect sends clients to a pre-signed URL of the S3 endpoint "
    "itself, which listens on 127.0.0.1 of this machine only and which a docker engine "
    "in a VM or another network namespace cannot reach; the registry serves the bytes."
)


def find_registry(explicit: str = "", *, path: str = "") -> Path:
    """The ``docker-registry`` binary: ``explicit``, else found on ``path``."""
    if explicit:
        given = Path(explicit).expanduser()
        if not given.is_file():
            raise ServiceError(f"the registry binary {given} does not exist", hint=REGISTRY_HINT)
        return given.absolute()
    found = shutil.which(REGISTRY_BINARY, path=path or None)
    if not found:
        raise ServiceError(f"{REGISTRY_BINARY} is not installed", hint=REGISTRY_HINT)
    return Path(found).absolute()


@dataclass(frozen=True)
class Tls:
    certificate: Path
    key: Path


def embedded_config(
    *,
    addr: str,
    endpoint: Endpoint,
    bucket: str,
    http_secret: str,
    htpasswd: Path | None = None,
    tls: Tls | None = None,
    redirect: bool = False,
) -> str:
    """The embedded registry's config.yml (it holds the S3 keys and the http secret: the
    caller writes it with mode 0600)."""
    http: dict[str, Any] = {
        "addr": addr,
        "# Signs upload state; kept in state.json so uploads survive a restart.": None,
        "secret": http_secret,
    }
    if tls is not None:
        http["tls"] = {"certificate": str(tls.certificate), "key": str(tls.key)}
    tree: dict[str, Any] = {
        "version": "0.1",
        "log": {"level": "info", "fields": {"service": "imagekit-registry"}},
        "storage": {
            "s3": {
                "accesskey": endpoint.access_key,
                "secretkey": endpoint.secret_key,
                "region": endpoint.region,
                "regionendpoint": endpoint.url,
                "bucket": bucket,
                "secure": endpoint.url.startswith("https:"),
                "v4auth": True,
                "rootdirectory": ROOT_DIRECTORY,
            },
            **storage_extras(redirect=redirect, why_redirect=NO_REDIRECT, purge_uploads=False),
        },
        "http": http,
        "health": health(),
    }
    if htpasswd is not None:
        tree["auth"] = {"htpasswd": {"realm": "imagekit-registry", "path": str(htpasswd)}}
    return render(tree)


def registry_argv(binary: Path, config: Path) -> list[str]:
    return [str(binary), "serve", str(config)]
