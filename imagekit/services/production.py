"""The registry a team deploys against real S3: the config that N stateless replicas
behind a load balancer share, and the least-privilege IAM policy its S3 driver needs.

Every replica reads the same bucket and the same ``http.secret`` (it signs the upload
state a client carries from one request to the next, which another replica may serve).
The file holds no keys: the S3 driver takes them from an IAM role (instance profile,
IRSA, ECS task role) or from REGISTRY_STORAGE_S3_ACCESSKEY / REGISTRY_STORAGE_S3_SECRETKEY.
"""

from __future__ import annotations

import secrets
from typing import Any

from imagekit.errors import UsageError
from imagekit.services.configfile import health, render, storage_extras
from imagekit.services.distribution import ROOT_DIRECTORY

REDIRECT = (
    "Redirects are on: a blob GET answers with a pre-signed S3 URL, so clients download "
    "layers from S3 directly and the replicas stay light. Turn them off (--no-redirect) "
    "when clients cannot reach the S3 endpoint themselves."
)
NO_REDIRECT = (
    "Redirects are off: the replicas serve every byte themselves (clients need not reach "
    "S3; the replicas need the bandwidth)."
)


def generate_http_secret() -> str:
    return secrets.token_urlsafe(32)


def production_config(
    *,
    bucket: str,
    region: str,
    http_secret: str,
    endpoint: str | None = None,
    redirect: bool = True,
    root_directory: str = ROOT_DIRECTORY,
    addr: str = ":5000",
) -> str:
    """The config.yml every replica runs with."""
    if not bucket or not region:
        raise UsageError("the bucket and the region must not be empty")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"--s3-endpoint {endpoint!r} is not an http:// or https:// URL")
    if not root_directory.startswith("/"):
        raise UsageError(f"--root-directory {root_directory!r} must start with /")
    s3: dict[str, Any] = {
        "# No keys here: an IAM role, or REGISTRY_STORAGE_S3_ACCESSKEY and "
        "REGISTRY_STORAGE_S3_SECRETKEY in each replica's environment.": None,
        "region": region,
        "bucket": bucket,
    }
    if endpoint is not None:
        s3["# An S3-compatible endpoint instead of AWS (path-style requests)."] = None
        s3["regionendpoint"] = endpoint
    s3 |= {
        "secure": endpoint is None or endpoint.startswith("https://"),
        "v4auth": True,
        "rootdirectory": root_directory,
    }
    tree: dict[str, Any] = {
        "# imagekit registry config: N stateless replicas behind a load balancer, one "
        "bucket, one http.secret.": None,
        "version": "0.1",
        "log": {"level": "info", "fields": {"service": "registry"}},
        "storage": {
            "s3": s3,
            **storage_extras(redirect=redirect, why_redirect=REDIRECT if redirect else NO_REDIRECT),
        },
        "http": {
            "# TLS usually ends at the load balancer; otherwise add http.tls here.": None,
            "addr": addr,
            "# Every replica needs this same secret: it signs upload state that a client "
            "carries to whichever replica serves its next request. Keep it secret.": None,
            "secret": http_secret,
            "headers": {"X-Content-Type-Options": ["nosniff"]},
        },
        "health": health(),
    }
    return render(tree)


def iam_policy(bucket: str) -> dict[str, Any]:
    """The IAM policy document the S3 driver needs on ``bucket`` (distribution's docs)."""
    if not bucket:
        raise UsageError("the bucket must not be empty")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RegistryBucket",
                "Effect": "Allow",
                "Action": [
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:ListBucketMultipartUploads",
                ],
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Sid": "RegistryObjects",
                "Effect": "Allow",
                "Action": [
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:DeleteObject",
                    "s3:ListMultipartUploadParts",
                    "s3:AbortMultipartUpload",
                ],
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ],
    }
