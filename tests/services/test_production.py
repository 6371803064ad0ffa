"""`imagekit registry config`: the production config (replicas on one bucket with one
http.secret, no keys in the file) and the least-privilege IAM policy."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from imagekit.cli import build_cli, main
from imagekit.errors import UsageError
from imagekit.services import iam_policy, production_config


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_cli(), ["registry", "config", *args])
    return result.exit_code, result.stdout, result.stderr


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Through ``main``, as the ``imagekit`` script runs (click errors become one line)."""
    code = main(["registry", "config", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_config_for_aws_has_no_keys_and_the_shared_secret() -> None:
    code, stdout, stderr = run(
        "--s3-bucket", "team-images", "--s3-region", "eu-west-1", "--http-secret", "shared"
    )
    assert code == 0, stderr
    config = yaml.safe_load(stdout)
    assert config["storage"]["s3"] == {
        "region": "eu-west-1",
        "bucket": "team-images",
        "secure": True,
        "v4auth": True,
        "rootdirectory": "/registry",
    }
    assert config["http"]["secret"] == "shared"
    assert config["storage"]["delete"] == {"enabled": True}
    assert config["storage"]["redirect"] == {"disable": False}
    assert config["health"]["storagedriver"] == {"enabled": True, "interval": "10s", "threshold": 3}
    assert "Every replica needs this same secret" in stdout
    assert "REGISTRY_STORAGE_S3_ACCESSKEY" in stdout
    assert "accesskey" not in config["storage"]["s3"] and "secretkey" not in config["storage"]["s3"]
    assert stderr == ""


def test_a_generated_secret_is_new_each_time_and_said_on_stderr() -> None:
    secrets = []
    for _ in range(2):
        code, stdout, stderr = run("--s3-bucket", "b", "--s3-region", "us-east-1")
        assert code == 0
        assert "generated a new http.secret" in stderr
        secrets.append(yaml.safe_load(stdout)["http"]["secret"])
    assert secrets[0] != secrets[1] and all(len(s) >= 40 for s in secrets)


def test_an_s3_compatible_endpoint_without_redirects() -> None:
    code, stdout, _ = run(
        "--s3-bucket",
        "b",
        "--s3-region",
        "us-east-1",
        "--s3-endpoint",
        "http://minio:9000",
        "--no-redirect",
        "--root-directory",
        "/team",
        "--http-secret",
        "x",
    )
    assert code == 0
    s3 = yaml.safe_load(stdout)["storage"]["s3"]
    assert s3["regionendpoint"] == "http://minio:9000"
    assert s3["secure"] is False and s3["rootdirectory"] == "/team"
    assert yaml.safe_load(stdout)["storage"]["redirect"] == {"disable": True}


def test_iam_policy_lists_the_actions_distribution_documents() -> None:
    code, stdout, _ = run("--s3-bucket", "team-images", "--iam-policy")
    assert code == 0
    policy = json.loads(stdout)
    assert policy == iam_policy("team-images")
    bucket, objects = policy["Statement"]
    assert bucket["Resource"] == "arn:aws:s3:::team-images"
    assert sorted(bucket["Action"]) == [
        "s3:GetBucketLocation",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
    ]
    assert objects["Resource"] == "arn:aws:s3:::team-images/*"
    assert sorted(objects["Action"]) == [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
    ]
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--s3-bucket", "b"], "--s3-region is needed"),
        (["--s3-region", "r"], "Missing option '--s3-bucket'"),
        (["--s3-bucket", "b", "--s3-region", "r", "--s3-endpoint", "minio:9000"], "not an http"),
        (["--s3-bucket", "b", "--s3-region", "r", "--root-directory", "x"], "must start with /"),
    ],
)
def test_bad_config_arguments_are_one_line_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, stdout, stderr = run_main(capsys, *args)
    assert code == 2
    assert stdout == ""
    assert message in stderr and len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr


def test_empty_bucket_or_region_is_refused() -> None:
    with pytest.raises(UsageError):
        production_config(bucket="", region="r", http_secret="s")
    with pytest.raises(UsageError):
        iam_policy("")
