"""Amazon ECR credentials against moto's in-process ECR API (AWS is out of reach here).

moto issues ``AWS:<account>-auth-token`` tokens that expire at 2015-01-01; the requests
boto3 sends are recorded on the way out (method, URL, target, body, signing region).
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import RegistryError
from imagekit.registry.auth import Credentials
from imagekit.registry.credentials import CredentialStore
from imagekit.registry.ecr import EcrRegistry, EcrTokens, parse_host

ACCOUNT = "123456789012"
HOST = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
MOTO_TOKEN = Credentials("AWS", f"{ACCOUNT}-auth-token")
MOTO_EXPIRY = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC).timestamp()
TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"


@pytest.fixture
def aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's ECR, with no AWS configuration of this machine in the way."""
    from moto import mock_aws

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with mock_aws():
        yield


class Recorder:
    """A client factory: boto3 clients whose outgoing requests are recorded."""

    def __init__(self, session: Any = None) -> None:
        import boto3

        self.session = session or boto3.session.Session()
        self.sent: list[dict[str, Any]] = []

    def __call__(self, region: str) -> Any:
        client = self.session.client("ecr", region_name=region)
        client.meta.events.register("before-send.ecr.GetAuthorizationToken", self._record)
        return client

    def _record(self, request: Any, **_: Any) -> None:
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        self.sent.append(
            {
                "method": request.method,
                "url": request.url,
                "target": headers["X-Amz-Target"],
                "authorization": headers["Authorization"],
                "body": json.loads(request.body),
            }
        )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (HOST, EcrRegistry(ACCOUNT, "eu-west-1")),
        (f"{ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com", EcrRegistry(ACCOUNT, "us-gov-west-1")),
        (f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn", EcrRegistry(ACCOUNT, "cn-north-1")),
        (f"{ACCOUNT}.dkr-fips.ecr.us-east-1.amazonaws.com", EcrRegistry(ACCOUNT, "us-east-1")),
        (f"{ACCOUNT}.DKR.ECR.eu-west-1.amazonaws.com:443", EcrRegistry(ACCOUNT, "eu-west-1")),
        ("public.ecr.aws", None),
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.evil.example", None),
        ("12345.dkr.ecr.eu-west-1.amazonaws.com", None),
        ("registry.example.com:5000", None),
    ],
)
def test_parse_host(host: str, expected: EcrRegistry | None) -> None:
    assert parse_host(host) == expected


def test_token_from_the_hosts_region_and_account(aws: None) -> None:
    recorder = Recorder()
    assert EcrTokens(recorder).get(HOST) == MOTO_TOKEN
    (sent,) = recorder.sent
    assert (sent["method"], sent["url"]) == ("POST", "https://api.ecr.eu-west-1.amazonaws.com/")
    assert sent["target"] == TARGET
    assert sent["body"] == {"registryIds": [ACCOUNT]}
    assert "/eu-west-1/ecr/aws4_request" in sent["authorization"]


def test_china_region(aws: None) -> None:
    recorder = Recorder()
    host = f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn"
    assert EcrTokens(recorder).get(host) == MOTO_TOKEN
    assert recorder.sent[0]["url"] == "https://api.ecr.cn-north-1.amazonaws.com.cn/"


def test_token_is_cached_until_it_expires(aws: None) -> None:
    recorder = Recorder()
    now = [MOTO_EXPIRY - 3600]
    tokens = EcrTokens(recorder, clock=lambda: now[0])
    assert tokens.get(HOST) == MOTO_TOKEN
    assert tokens.get(HOST) == MOTO_TOKEN
    assert len(recorder.sent) == 1
    now[0] = MOTO_EXPIRY - 60  # within the renewal margin
    assert tokens.get(HOST) == MOTO_TOKEN
    assert len(recorder.sent) == 2
    other = f"{ACCOUNT}.dkr.ecr.us-east-2.amazonaws.com"
    tokens.get(other)
    assert recorder.sent[-1]["url"] == "https://api.ecr.us-east-2.amazonaws.com/"


def test_store_asks_ecr_when_nothing_is_stored(aws: None, tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, path="")  # the default factory: boto3's own chain
    assert store.get(HOST) == MOTO_TOKEN
    assert store.get("https://" + HOST + "/v2/") == MOTO_TOKEN
    assert not (tmp_path / "config.json").exists()


def test_stored_credentials_win_unless_ecr_is_asked_for(aws: None, tmp_path: Path) -> None:
    pair = base64.b64encode(b"AWS:stored-password").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {HOST: {"auth": pair}}}))
    recorder = Recorder()
    store = CredentialStore(tmp_path, path="", ecr=EcrTokens(recorder))
    assert store.get(HOST) == Credentials("AWS", "stored-password")
    assert recorder.sent == []
    assert store.ecr(HOST) == MOTO_TOKEN
    assert len(recorder.sent) == 1


def test_no_aws_credentials(aws: None) -> None:
    import boto3
    import botocore.credentials
    import botocore.session

    core = botocore.session.Session()
    core.register_component("credential_provider", botocore.credentials.CredentialResolver([]))
    recorder = Recorder(boto3.session.Session(botocore_session=core))
    with pytest.raises(RegistryError) as caught:
        EcrTokens(recorder).get(HOST)
    text = caught.value.format()
    assert "no AWS credentials" in text and "AWS_PROFILE" in text and "\n" not in text
    assert recorder.sent == []


def test_aws_refusal_is_one_line(aws: None) -> None:
    from botocore.stub import Stubber

    clients: list[Any] = []
    recorder = Recorder()

    def stubbed(region: str) -> Any:
        client = recorder(region)
        stub = Stubber(client)
        stub.add_client_error(
            "get_authorization_token",
            service_error_code="AccessDeniedException",
            service_message="User: arn:aws:iam::123456789012:user/ci is not authorized\nto call",
            http_status_code=400,
            expected_params={"registryIds": [ACCOUNT]},
        )
        stub.activate()
        clients.append(stub)
        return client

    with pytest.raises(RegistryError) as caught:
        EcrTokens(stubbed).get(HOST)
    text = caught.value.format()
    assert "AccessDeniedException" in text and "eu-west-1" in text and "\n" not in text
    clients[0].assert_no_pending_responses()


def test_not_an_ecr_host() -> None:
    with pytest.raises(RegistryError, match="not an Amazon ECR registry"):
        EcrTokens(lambda region: None).get("registry.example.com")
