"""The embedded S3-backed registry (``imagekit registry up``) for the demo, laptops and
the tests, and the config of the same architecture on real S3 (``registry config``).

CNCF distribution (Debian's ``docker-registry``) with its s3 storage driver, on a local
SeaweedFS ``weed mini`` S3 endpoint, everything on 127.0.0.1 and kept in one data
directory. Imports only :mod:`imagekit.errors` and the standard library at module level;
boto3, bcrypt and cryptography are imported by the functions that use them.
"""

from __future__ import annotations

from imagekit.services.embedded import (
    EmbeddedRegistry,
    ProcessStatus,
    Settings,
    Status,
    down,
    load,
    status,
)
from imagekit.services.production import generate_http_secret, iam_policy, production_config
from imagekit.services.s3 import Endpoint, s3_client
from imagekit.services.startup import up

__all__ = [
    "EmbeddedRegistry",
    "Endpoint",
    "ProcessStatus",
    "Settings",
    "Status",
    "down",
    "generate_http_secret",
    "iam_policy",
    "load",
    "production_config",
    "s3_client",
    "status",
    "up",
]
