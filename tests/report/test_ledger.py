"""The size ledger against a real S3 endpoint (the `embedded_registry` fixture), each test
under a prefix of its own; and `imagekit report history` reading it."""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from imagekit.errors import PublishError, UsageError
from imagekit.oci.digest import Digest
from imagekit.report.delta import sizes_of
from imagekit.report.ledger import Ledger, parse_ledger_url, s3_client
from imagekit.report.record import LayerRecord, record_of
from tests.report.examples import example_image
from tests.report.size_examples import REGISTRY, T0, example_records, record


@pytest.fixture(scope="module")
def s3(embedded_registry: Any) -> Any:
    return s3_client(
        embedded_registry.s3_endpoint,
        access_key=embedded_registry.s3_access_key,
        secret_key=embedded_registry.s3_secret_key,
        region=embedded_registry.s3_region,
    )


@pytest.fixture
def prefix() -> str:
    return f"test-ledger/{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ledger(s3: Any, embedded_registry: Any, prefix: str) -> Ledger:
    return Ledger(s3, embedded_registry.bucket, prefix)


def test_appended_records_read_back_oldest_first(ledger: Ledger) -> None:
    records = example_records(5)
    for r in reversed(records):  # the order of appends does not matter
        ledger.append(r)
    read = ledger.records(REGISTRY, "team/app")
    assert read.warnings == ()
    assert read.records == tuple(records)


def test_a_record_of_a_real_push_keeps_every_value(ledger: Ledger) -> None:
    sizes = sizes_of(example_image(), f"{REGISTRY}/team/app:2")
    pushed = record_of(
        sizes,
        registry=REGISTRY,
        repository="team/app",
        tag="2",
        time=T0 + 0.123,
        commit="abc123",
        branch="feature/x",
        pushed_bytes=1_234,
    )
    key = ledger.append(pushed)
    assert key.startswith(ledger.records_prefix(REGISTRY, "team/app"))
    assert key.endswith("-2.json")
    (back,) = ledger.records(REGISTRY, "team/app").records
    assert back == pushed
    assert back.compressed_size == sizes.compressed_size
    assert [x.digest for x in back.layers] == [x.digest for x in sizes.layers]


def test_newest_n_and_one_tag(s3: Any, embedded_registry: Any, prefix: str) -> None:
    ledger = Ledger(s3, embedded_registry.bucket, prefix, page_size=3)  # several pages
    records = [record(i, 1_000 + i, tag="main" if i % 2 else "v1") for i in range(10)]
    for r in records:
        ledger.append(r)
    assert ledger.records(REGISTRY, "team/app", limit=4).records == tuple(records[6:])
    assert ledger.records(REGISTRY, "team/app", "main", 3).records == tuple(records[5::2])
    assert ledger.records(REGISTRY, "team/app", "v1", None).records == tuple(records[0::2])
    assert ledger.records(REGISTRY, "team/app", "nope").records == ()
    assert ledger.records(REGISTRY, "team/app", limit=0).records == ()


def test_a_repository_does_not_list_its_sub_repositories(ledger: Ledger) -> None:
    ledger.append(record(1, 10, repository="team"))
    ledger.append(record(2, 20, repository="team/app"))
    assert [r.repository for r in ledger.records(REGISTRY, "team").records] == ["team"]
    assert [r.repository for r in ledger.records(REGISTRY, "team/app").records] == ["team/app"]


def test_twenty_concurrent_appends_lose_nothing(ledger: Ledger) -> None:
    same_time = [dataclasses.replace(record(i, 5_000 + i), time=T0) for i in range(20)]
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def push(r: Any) -> None:
        barrier.wait()
        try:
            ledger.append(r)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(r,)) for r in same_time]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    read = ledger.records(REGISTRY, "team/app", limit=None)
    assert sorted(r.digest for r in read.records) == sorted(r.digest for r in same_time)


def test_blobs_known_names_the_repositories_holding_a_blob(ledger: Ledger) -> None:
    shared = Digest.of_bytes(b"base layer")
    own = Digest.of_bytes(b"own layer")
    for repository in ("team/app", "team/web", "other"):
        layers = (
            LayerRecord(shared, 100),
            LayerRecord(own if repository == "other" else shared, 5),
        )
        ledger.append(dataclasses.replace(record(1, 105, repository=repository), layers=layers))
    ledger.append(record(2, 1, repository="team/app"))  # a second push of the same blob set
    assert ledger.blobs_known(REGISTRY, shared) == {"team/app", "team/web", "other"}
    assert ledger.blobs_known(REGISTRY, own) == {"other"}
    assert ledger.blobs_known(REGISTRY, Digest.of_bytes(b"never pushed")) == frozenset()
    assert ledger.blobs_known("elsewhere:5000", shared) == frozenset()
    candidates = ledger.mount_candidates([REGISTRY, "elsewhere:5000"])
    assert candidates(own) == [f"{REGISTRY}/other"]
    assert candidates(shared) == [f"{REGISTRY}/{r}" for r in ("other", "team/app", "team/web")]


def test_malformed_objects_are_skipped_with_a_warning(ledger: Ledger, s3: Any) -> None:
    good = record(3, 300)
    ledger.append(good)
    base = ledger.records_prefix(REGISTRY, "team/app")
    bad = {
        f"{base}8285435199999-0123456789ab-latest.json": b"{not json",
        f"{base}8285435199998-0123456789ab-latest.json": json.dumps({"version": 1}).encode(),
        f"{base}README.txt": b"hello",
        f"{base}8285435199997-0123456789ab-latest.json": dataclasses.replace(
            good, repository="team/web"
        ).to_json(),
    }
    for key, body in bad.items():
        s3.put_object(Bucket=ledger.bucket, Key=key, Body=body)
    read = ledger.records(REGISTRY, "team/app")
    assert read.records == (good,)
    assert len(read.warnings) == 4
    assert all(w.startswith(f"skipped s3://{ledger.bucket}/{base}") for w in read.warnings)
    text = "\n".join(read.warnings)
    assert "malformed record: not valid JSON" in text
    assert "'layers' must be a list of objects" in text
    assert "not a ledger record name" in text
    assert "it is a record of registry.example:5000/team/web" in text


def test_a_missing_bucket_is_a_publish_error_naming_it(s3: Any, prefix: str) -> None:
    # read, not written: some S3 endpoints (SeaweedFS) make a bucket on an admin's first PUT
    ledger = Ledger(s3, f"no-such-bucket-{uuid.uuid4().hex[:8]}", prefix)
    with pytest.raises(PublishError) as info:
        ledger.records(REGISTRY, "team/app")
    line = info.value.format()
    assert f"cannot list s3://{ledger.bucket}/{prefix}/records/{REGISTRY}/team/app/_pushes/" in line
    assert "NoSuchBucket" in line and "create the bucket" in line
    assert "\n" not in line and info.value.exit_code == 6


def test_wrong_credentials_fail_without_showing_the_secret(
    embedded_registry: Any, prefix: str
) -> None:
    secret = "wrong-" + uuid.uuid4().hex
    client = s3_client(embedded_registry.s3_endpoint, access_key="nobody", secret_key=secret)
    ledger = Ledger(client, embedded_registry.bucket, prefix)
    with pytest.raises(PublishError) as info:
        ledger.records(REGISTRY, "team/app")
    line = info.value.format()
    assert line.startswith("imagekit: error[publish]: size ledger: cannot list s3://")
    assert secret not in line and embedded_registry.s3_secret_key not in line
    assert "credentials" in line or "key" in line


def test_an_unreachable_endpoint_is_a_publish_error(prefix: str) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = s3_client(f"http://127.0.0.1:{port}", access_key="a", secret_key="b")
    ledger = Ledger(client, "ledger", prefix)
    with pytest.raises(PublishError, match="EndpointConnectionError") as info:
        ledger.blobs_known(REGISTRY, Digest.of_bytes(b"x"))
    assert "check --s3-endpoint" in info.value.format()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("s3://ci-artifacts/imagekit/ledger/", ("ci-artifacts", "imagekit/ledger")),
        ("s3://bucket", ("bucket", "")),
    ],
)
def test_ledger_urls(text: str, expected: tuple[str, str]) -> None:
    assert parse_ledger_url(text) == expected


@pytest.mark.parametrize("text", ["bucket/prefix", "s3://", "s3://UPPER/x", "https://b/x"])
def test_bad_ledger_urls(text: str) -> None:
    with pytest.raises(UsageError, match="expected s3://BUCKET/PREFIX"):
        parse_ledger_url(text)


# -- imagekit report history --------------------------------------------------------------


def history(embedded_registry: Any, prefix: str, *args: str) -> Result:
    env = {
        "AWS_ACCESS_KEY_ID": embedded_registry.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": embedded_registry.s3_secret_key,
        "AWS_DEFAULT_REGION": embedded_registry.s3_region,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    where = ["--ledger", f"s3://{embedded_registry.bucket}/{prefix}"]
    where += ["--s3-endpoint", embedded_registry.s3_endpoint]
    return CliRunner(env=env).invoke(
        cli, ["report", "history", *args, *where], catch_exceptions=False
    )


def test_history_shows_the_trend(ledger: Ledger, embedded_registry: Any, prefix: str) -> None:
    records = example_records(8)
    for r in records:
        ledger.append(r)
    result = history(embedded_registry, prefix, f"{REGISTRY}/team/app", "--limit", "5")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["time", "(UTC)", "tag"]
    rows = lines[2:]
    assert len(rows) == 5
    assert rows[0].startswith(records[3].when.strftime("%Y-%m-%d %H:%M"))
    assert "-1.40 MB" in rows[0]  # the delta to the record before the first shown
    assert rows[-1].startswith(records[-1].when.strftime("%Y-%m-%d %H:%M"))
    data = json.loads(
        history(embedded_registry, prefix, f"{REGISTRY}/team/app", "--format", "json").stdout
    )
    assert [r["digest"] for r in data["records"]] == [str(r.digest) for r in records]
    assert data["records"][0]["delta"] is None


def test_history_of_one_tag_with_a_chart(
    ledger: Ledger, embedded_registry: Any, prefix: str, tmp_path: Path
) -> None:
    for i in range(6):
        ledger.append(record(i, 1_000_000 * (i + 1), tag="v1" if i < 3 else "v2"))
    chart = tmp_path / "trend.svg"
    result = history(
        embedded_registry,
        prefix,
        f"{REGISTRY}/team/app:v2",
        "--format",
        "markdown",
        "--chart",
        str(chart),
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"imagekit: wrote {chart}\n"
    assert len(re.findall(r"\| `v2` +\|", result.stdout)) == 3 and "`v1`" not in result.stdout
    assert "```mermaid\nxychart-beta\n" in result.stdout
    assert ET.parse(chart).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_history_warns_about_skipped_records(
    ledger: Ledger, s3: Any, embedded_registry: Any, prefix: str
) -> None:
    ledger.append(record(1, 10))
    key = ledger.records_prefix(REGISTRY, "team/app") + "8285435199999-0123456789ab-latest.json"
    s3.put_object(Bucket=ledger.bucket, Key=key, Body=b"[]")
    result = history(embedded_registry, prefix, f"{REGISTRY}/team/app")
    assert result.exit_code == 0
    assert result.stderr.startswith("imagekit: warning: skipped s3://")
    assert "malformed record: not a JSON object" in result.stderr


def test_history_without_records_or_ledger(embedded_registry: Any, prefix: str) -> None:
    result = history(embedded_registry, prefix, f"{REGISTRY}/nothing/here")
    assert (result.exit_code, result.stdout) == (0, "No pushes recorded.\n")
    result = CliRunner().invoke(cli, ["report", "history", f"{REGISTRY}/team/app"])
    assert result.exit_code == 2
    assert "pass --ledger s3://BUCKET/PREFIX" in result.stderr
    result = CliRunner().invoke(cli, ["report", "history", f"{REGISTRY}/a@sha256:" + "0" * 64])
    assert result.exit_code == 2 and "not a digest" in result.stderr
