"""`imagekit push` through the command line: output, JSON shape, exit codes, one-line errors.

Sources are small archives and layouts written in tmp_path; the destination is the real
test registry, or a scripted one for refusals the real one does not give (401, 403, 429).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli, main
from imagekit.oci.archive_write import write_archive
from imagekit.oci.layout import write_layout
from tests.registry.double import Answer, Seen, serve
from tests.report.examples import example_image
from tests.support import registry as support

PASSWORD = "s3cret-pa55word"


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache and docker config of the test's own, and no CI variable (CliRunner's stderr
    is no terminal, so progress is plain lines either way)."""
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.delenv("CI", raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["push", *args], catch_exceptions=False)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(example_image(""), tmp_path / "app.tar", ["app:1"])


def one_line_error(result: Result, code: int, *parts: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith("imagekit: error")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def test_text_prints_the_digest_and_progress_goes_to_stderr(registry: str, archive: Path) -> None:
    dest = f"{registry}/{support.repository('cli')}:v1"
    result = run(f"docker-archive:{archive}", dest)
    assert result.exit_code == 0, result.stderr
    digest = result.stdout.strip()
    assert result.stdout == f"{digest}\n" and digest.startswith("sha256:")
    assert support.inspect(dest)["Digest"] == digest
    assert "compressing layer 0" in result.stderr
    assert f"pushed {dest}@{digest}" in result.stderr
    again = run(f"docker-archive:{archive}", f"docker://{dest}")
    assert again.stdout == result.stdout
    assert "compressing" not in again.stderr and ": skipped in" in again.stderr


def test_json_shape(registry: str, tmp_path: Path) -> None:
    write_layout(example_image(), tmp_path / "layout", "1")
    repo = support.repository("cli")
    result = run(
        "--format",
        "json",
        f"oci:{tmp_path / 'layout'}:1",
        f"{registry}/{repo}:a",
        f"{registry}/{repo}:b",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reference"].startswith(f"{registry}/{repo}:a@sha256:")
    assert len(data["references"]) == 2
    assert data["digest"] == data["reference"].split("@")[1]
    blobs = data["blobs"]
    assert {b["action"] for b in blobs} == {"uploaded"}
    assert data["uploaded_bytes"] == sum(b["size"] for b in blobs) > 0
    assert set(blobs[0]) >= {"digest", "size", "action", "media_type", "repository"}


def test_bad_input_exits_2_with_one_line(tmp_path: Path, registry: str) -> None:
    dest = f"{registry}/{support.repository('cli')}:v1"
    one_line_error(run(f"oci:{tmp_path / 'nowhere'}", dest), 2, "no such directory")
    one_line_error(run("busybox", "Bad Reference"), 2, "invalid image reference")
    one_line_error(run("busybox", dest, "--jobs", "0"), 2, "--jobs")
    one_line_error(run("busybox", dest, "--chunk-size", "lots"), 2, "--chunk-size")
    one_line_error(run("busybox", dest, "--ca-cert", str(tmp_path / "none.pem")), 2, "--ca-cert")
    assert run("busybox").exit_code == 2


def test_click_usage_errors_are_one_line_through_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "busybox", "127.0.0.1:5555/x:y", "--compression", "xz"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and "'xz' is not one of" in captured.err


def test_a_truncated_archive_exits_2(registry: str, archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.tar"
    data = archive.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    dest = f"{registry}/{support.repository('cli')}:v1"
    one_line_error(run(f"docker-archive:{cut}", dest), 2, str(cut))


def scripted(status: int, body: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    def route(seen: Seen) -> Answer:
        if seen.path == "/v2/":
            return 200, {}, b"{}"
        if seen.method == "HEAD":  # not there: the upload's POST meets the refusal
            return 404, {}, b""
        return status, headers or {}, body

    return serve(route)


@pytest.mark.parametrize(
    ("status", "code", "headers"),
    [
        (403, "DENIED", None),
        (404, "NAME_UNKNOWN", None),
        (429, "TOOMANYREQUESTS", {"Retry-After": "0"}),
        (500, "UNKNOWN", {"Retry-After": "0"}),
    ],
)
def test_registry_refusals_exit_3_with_one_line(
    archive: Path, status: int, code: str, headers: dict[str, str] | None
) -> None:
    body = json.dumps({"errors": [{"code": code, "message": "no"}]}).encode()
    with scripted(status, body, headers) as double:
        line = one_line_error(
            run(f"docker-archive:{archive}", f"{double.address}/team/app:v1"),
            3,
            code,
            f"{double.address}/team/app",
            "hint:",
        )
    assert f"HTTP {status}" in line


def test_credentials_are_sent_but_never_shown(archive: Path, tmp_path: Path) -> None:
    seen: list[str] = []

    def route(request: Seen) -> Answer:
        seen.append(request.header("Authorization") or "")
        return (
            401,
            {"WWW-Authenticate": 'Basic realm="test"'},
            b'{"errors":[{"code":"UNAUTHORIZED"}]}',
        )

    with serve(route) as double:
        auth = base64.b64encode(f"robot:{PASSWORD}".encode()).decode()
        (tmp_path / "docker").mkdir()
        (tmp_path / "docker" / "config.json").write_text(
            json.dumps({"auths": {double.address: {"auth": auth}}})
        )
        result = run(f"docker-archive:{archive}", f"{double.address}/team/app:v1")
    assert result.exit_code == 3
    assert f"Basic {auth}" in seen  # the stored credentials were used
    for text in (result.stdout, result.stderr):
        assert PASSWORD not in text and auth not in text


def test_the_command_tree_does_not_import_rich() -> None:
    code = (
        "import sys; from imagekit.cli import build_cli; build_cli(); "
        "print('rich' in sys.modules, 'docker' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["False", "False"]
