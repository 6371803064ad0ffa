"""`imagekit push` reports what it changed: the size report against what the tag named
before (or --compare-to), the budget after the push, and the record in the size ledger.

Images are small OCI layouts in tmp_path (tests/report/examples.py: an old image and a
newer one sharing its base layer); the registry is the real test registry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from imagekit.oci.layout import write_layout
from imagekit.report.saved import markdown_from_files
from tests.report.examples import example_image, old_image
from tests.support import registry as support


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("IMAGEKIT_REGISTRY_DIR", str(tmp_path / "no-embedded-registry"))
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def layouts(tmp_path: Path) -> tuple[str, str]:
    """``oci:`` sources of the old and the new image."""
    write_layout(old_image(), tmp_path / "old", "1")
    write_layout(example_image(), tmp_path / "new", "1")
    return f"oci:{tmp_path / 'old'}:1", f"oci:{tmp_path / 'new'}:1"


def push(*args: str) -> Result:
    return CliRunner().invoke(cli, ["push", "--format", "json", *args], catch_exceptions=False)


def pushed(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def compressed(source: str) -> int:
    """What a pull of the layout's image downloads: its layer blobs and config."""
    directory = Path(source.removeprefix("oci:").rsplit(":", 1)[0])
    index = json.loads((directory / "index.json").read_text())
    blobs = directory / "blobs" / "sha256"
    manifest = json.loads((blobs / index["manifests"][0]["digest"].split(":")[1]).read_text())
    return int(sum(x["size"] for x in manifest["layers"]) + manifest["config"]["size"])


def test_the_first_push_of_a_tag_is_new_and_the_next_shows_the_change(
    registry: str, layouts: tuple[str, str]
) -> None:
    old, new = layouts
    dest = f"{registry}/{support.repository('sizes')}:main"
    first = pushed(push(old, dest))
    [image] = first["size_report"]["images"]
    assert image["old"] is None
    assert image["new"]["compressed_size"] == compressed(old)
    assert image["pushed_bytes"] == first["uploaded_bytes"] > 0
    assert first["ledger"] is None and first["trends"] == []

    second = pushed(push(new, dest))
    [image] = second["size_report"]["images"]
    assert image["old"]["digest"] == first["digest"]
    assert image["new"]["digest"] == second["digest"]
    assert image["delta"] == compressed(new) - compressed(old)
    layers = image["layers"]
    assert (len(layers["shared"]), len(layers["added"]), len(layers["removed"])) == (1, 2, 1)
    # the shared base layer was skipped: only the new layers and the config went out
    assert image["pushed_bytes"] == second["uploaded_bytes"]
    sent = {b["digest"] for b in second["blobs"] if b["action"] == "uploaded"}
    assert {layer["digest"] for layer in layers["added"]} <= sent


def test_text_output_keeps_the_digest_alone_on_stdout(
    registry: str, layouts: tuple[str, str]
) -> None:
    old, new = layouts
    dest = f"{registry}/{support.repository('sizes')}:main"
    CliRunner().invoke(cli, ["push", old, dest], catch_exceptions=False)
    result = CliRunner().invoke(cli, ["push", new, dest], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("sha256:")
    assert f"{dest} " in result.stderr and "1 shared, 2 added, 1 removed" in result.stderr
    assert "Sizes are compressed" in result.stderr


def test_compare_to_replaces_what_the_tag_named(registry: str, layouts: tuple[str, str]) -> None:
    old, new = layouts
    repo = support.repository("sizes")
    main = pushed(push(old, f"{registry}/{repo}:main"))
    result = pushed(push(new, f"{registry}/{repo}:pr-7", "--compare-to", f"{registry}/{repo}:main"))
    [image] = result["size_report"]["images"]
    assert image["reference"] == f"{registry}/{repo}:pr-7"
    assert image["old"]["digest"] == main["digest"]
    missing = push(new, f"{registry}/{repo}:pr-8", "--compare-to", f"{registry}/{repo}:nope")
    assert missing.exit_code == 0
    assert "--compare-to" in missing.stderr and "first push" in missing.stderr
    assert json.loads(missing.stdout)["size_report"]["images"][0]["old"] is None


def test_a_budget_fails_after_the_push_and_the_report(
    registry: str, layouts: tuple[str, str]
) -> None:
    old, new = layouts
    dest = f"{registry}/{support.repository('sizes')}:main"
    pushed(push(old, dest))
    result = push(new, dest, "--fail-on-growth", "1%")
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # the report is still printed in full
    assert support.inspect(dest)["Digest"] == data["digest"]  # and the tag moved
    errors = [line for line in result.stderr.splitlines() if "error[policy-failure]" in line]
    assert len(errors) == 1 and "--fail-on-growth 1%" in errors[0]
    assert data["size_report"]["budget"]["passed"] is False
    too_big = push(new, dest, "--max-size", "1kB")
    assert too_big.exit_code == 1 and "--max-size" in too_big.stderr
    within = push(new, dest, "--fail-on-growth", "50%,10MB", "--max-size", "10MB")
    assert within.exit_code == 0, within.stderr
    bad = push(new, dest, "--fail-on-growth", "lots")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1


def test_several_tags_of_one_repository_count_the_upload_once(
    registry: str, layouts: tuple[str, str]
) -> None:
    _, new = layouts
    repo = support.repository("sizes")
    data = pushed(push(new, f"{registry}/{repo}:a", f"{registry}/{repo}:b"))
    rows = data["size_report"]["images"]
    assert [row["reference"] for row in rows] == [f"{registry}/{repo}:a", f"{registry}/{repo}:b"]
    assert sum(row["pushed_bytes"] for row in rows) == data["uploaded_bytes"]


def test_pushes_are_recorded_in_the_ledger_and_the_comment_carries_the_trend(
    registry: str,
    embedded_registry: Any,
    layouts: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = layouts
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", embedded_registry.s3_access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", embedded_registry.s3_secret_key)
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    ledger = f"s3://{embedded_registry.bucket}/tests/{support.repository('ledger')}"
    where = ["--ledger", ledger, "--s3-endpoint", embedded_registry.s3_endpoint]
    dest = f"{registry}/{support.repository('sizes')}:main"
    pushed(push(old, dest, *where))
    data = pushed(push(new, dest, *where))
    assert data["ledger"] == ledger + "/"
    [trend] = data["trends"]
    assert [r["digest"] for r in trend][-1] == data["digest"] and len(trend) == 2
    assert trend[-1]["commit"].startswith("0123456789ab") and trend[-1]["branch"] == "main"
    assert trend[-1]["compressed_size"] == compressed(new)

    report = tmp_path / "size-report.json"
    report.write_text(json.dumps(data))
    markdown = markdown_from_files([report])
    assert "```mermaid" in markdown and "xychart-beta" in markdown

    history = CliRunner().invoke(
        cli, ["report", "history", dest, *where, "--format", "json"], catch_exceptions=False
    )
    assert history.exit_code == 0, history.stderr
    assert [row["digest"] for row in json.loads(history.stdout)["records"]][-1] == data["digest"]


def test_the_embedded_registry_is_its_own_default_ledger(
    embedded_registry: Any, layouts: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, new = layouts
    monkeypatch.setenv("IMAGEKIT_REGISTRY_DIR", str(embedded_registry.data_dir))
    dest = f"{embedded_registry.address}/{support.repository('sizes')}:main"
    data = pushed(push(new, dest))
    assert data["ledger"] == f"s3://{embedded_registry.bucket}/imagekit/ledger/"
    assert data["trends"][0][-1]["digest"] == data["digest"]
    assert pushed(push(new, dest, "--no-ledger"))["ledger"] is None


def test_two_concurrent_pushes_both_land_in_the_ledger(
    registry: str, embedded_registry: Any, layouts: tuple[str, str], tmp_path: Path
) -> None:
    """Each push writes its own ledger object: two pushes at once lose neither record."""
    import os
    import subprocess
    import sys

    from imagekit.report.ledger import Ledger, parse_ledger_url

    old, new = layouts
    ledger = f"s3://{embedded_registry.bucket}/tests/{support.repository('ledger')}"
    repo = support.repository("sizes")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": embedded_registry.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": embedded_registry.s3_secret_key,
    }
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "imagekit",
                "push",
                "--format",
                "json",
                source,
                f"{registry}/{repo}:{tag}",
                "--ledger",
                ledger,
                "--s3-endpoint",
                embedded_registry.s3_endpoint,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**env, "IMAGEKIT_CACHE_DIR": str(tmp_path / f"cache-{tag}")},
        )
        for source, tag in ((old, "a"), (new, "b"))
    ]
    digests = {}
    for run, tag in zip(runs, ("a", "b"), strict=True):
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr.decode()
        digests[tag] = json.loads(stdout)["digest"]
    bucket, prefix = parse_ledger_url(ledger)
    read = Ledger(embedded_registry.s3_client(), bucket, prefix).records(registry, repo)
    assert sorted((r.tag, str(r.digest)) for r in read.records) == sorted(digests.items())
