"""``imagekit build root`` and ``build go`` on the command line: digest on stdout, the JSON
summary, outputs, and one-line errors with their exit codes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imagekit.cli import main
from tests.build.conftest import PROBE


@pytest.fixture
def invoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run ``imagekit ARGS`` as the script does (errors mapped by ``main``) with ``env``
    set; the exit code, stdout and stderr."""

    def run(args: list[str], **env: str) -> tuple[int, str, str]:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main(args)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_build_root_busybox_prints_its_digest_and_writes_a_layout(
    invoke: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, stdout, stderr = invoke(
        ["build", "root", "busybox", "-o", f"oci:{tmp_path}/layout:bb"], SOURCE_DATE_EPOCH="0"
    )
    assert code == 0, stderr
    digest = stdout.strip()
    assert digest.startswith("sha256:") and len(digest) == 71
    assert f"wrote oci:{tmp_path}/layout:bb" in stderr
    index = json.loads((tmp_path / "layout" / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest


def test_build_go_json_has_the_summary(
    invoke: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, stdout, stderr = invoke(
        [
            "build",
            "go",
            str(PROBE),
            "--base",
            "scratch",
            "--format",
            "json",
            "--label",
            "team=platform",
            "--image-version",
            "2.0.0",
            "-o",
            f"docker-archive:{tmp_path}/probe.tar:example/probe:2",
        ],
        IMAGEKIT_CACHE_DIR=str(tmp_path / "cache"),
        SOURCE_DATE_EPOCH="1700000000",
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert {"digest", "size", "uncompressed_size", "layers", "outputs"} <= set(result)
    assert [layer["created_by"] for layer in result["layers"]] == [
        "imagekit build go: passwd/group with nonroot, CA bundle",
        "imagekit build go: /usr/local/bin/goprobe",
    ]
    # what a pull downloads: the layer blobs and the config (a few hundred bytes)
    config_bytes = result["size"] - sum(layer["size"] for layer in result["layers"])
    assert 200 < config_bytes < 4096
    assert result["uncompressed_size"] == sum(
        layer["uncompressed_size"] for layer in result["layers"]
    )
    assert result["outputs"] == [
        {
            "output": f"docker-archive:{tmp_path}/probe.tar:example/probe:2",
            "digest": result["digest"],
        }
    ]
    assert (tmp_path / "probe.tar").stat().st_size > result["layers"][-1]["size"]


def test_the_layers_that_recur_are_gzipped_once_into_the_cache_directory(
    invoke: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    env = {"IMAGEKIT_CACHE_DIR": str(cache), "SOURCE_DATE_EPOCH": "1700000000"}
    args = ["build", "go", str(PROBE), "--no-git", "--format", "json"]
    code, first, stderr = invoke(args, **env)
    assert code == 0, stderr
    kept = {path.name for path in (cache / "layers" / "blobs" / "sha256").iterdir()}
    busybox, support, app = (layer["digest"] for layer in json.loads(first)["layers"])
    assert {busybox[7:], support[7:]} <= kept
    assert app[7:] not in kept  # a release's layer is not kept
    written = {path: path.stat().st_mtime_ns for path in (cache / "layers").rglob("*")}
    code, second, stderr = invoke([*args, "--image-version", "2"], **env)
    assert code == 0, stderr
    assert [layer["digest"] for layer in json.loads(second)["layers"]] == [busybox, support, app]
    assert {path: path.stat().st_mtime_ns for path in (cache / "layers").rglob("*")} == written


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (["build", "root", "alpine"], {}, 2, "alpine"),
        (["build", "root", "busybox", "-o", "docker://h:5000/x:1"], {}, 2, "--push"),
        (["build", "root", "busybox", "-o", "busybox:1"], {}, 2, "transport"),
        (["build", "root", "busybox"], {"SOURCE_DATE_EPOCH": "yesterday"}, 2, "SOURCE_DATE_EPOCH"),
        (["build", "go", "/nonexistent/module"], {}, 2, "no such directory"),
        (["build", "go", "/nonexistent/module", "--name", "x"], {}, 2, "no such directory"),
        (["build", "go", str(PROBE), "--platform", "linux"], {}, 2, "platform"),
        (["build", "go", str(PROBE), "--env", "NOEQUALS"], {}, 2, "KEY=VALUE"),
        (["build", "go", str(PROBE), "--ca-bundle", "/nonexistent.pem"], {}, 2, "no such file"),
        (["build", "go", str(PROBE), "--base", "docker-daemon:"], {}, 2, "image source"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    invoke: Callable[..., tuple[int, str, str]],
    args: list[str],
    env: dict[str, str],
    code: int,
    says: str,
    tmp_path: Path,
) -> None:
    exit_code, stdout, stderr = invoke(args, IMAGEKIT_CACHE_DIR=str(tmp_path), **env)
    assert exit_code == code, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("imagekit: error")]
    assert len(errors) == 1 and says in errors[0], stderr
    assert "Traceback" not in stderr and stdout == ""


def test_a_compile_error_is_a_build_error_exit_4(
    invoke: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    module = tmp_path / "broken"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/broken\n\ngo 1.19\n")
    (module / "main.go").write_text("package main\n\nfunc main() { undefined() }\n")
    code, stdout, stderr = invoke(
        ["build", "go", str(module)], IMAGEKIT_CACHE_DIR=str(tmp_path / "cache")
    )
    assert code == 4
    assert "imagekit: error[build]: go build . in" in stderr and "undefined" in stderr
    assert stdout == ""


def test_push_sends_the_image_byte_for_byte(
    invoke: Callable[..., tuple[int, str, str]], registry: str, tmp_path: Path
) -> None:
    import subprocess

    reference = f"{registry}/imagekit-test/build-busybox:pushed"
    code, stdout, stderr = invoke(
        ["build", "root", "busybox", "--push", reference, "--format", "json"],
        IMAGEKIT_CACHE_DIR=str(tmp_path / "cache"),
        SOURCE_DATE_EPOCH="0",
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["pushed"][0]["digest"] == result["digest"]
    raw = subprocess.run(
        ["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{reference}"],
        capture_output=True,
        check=True,
    ).stdout
    assert json.loads(raw)["config"]["digest"] == result["config"]


@pytest.mark.parametrize("host", ["tcp://127.0.0.1:1", "unix:///nonexistent/docker.sock"])
def test_an_engine_output_goes_to_the_engine_docker_host_names(
    invoke: Callable[..., tuple[int, str, str]], go_cache: Path, host: str
) -> None:
    """An unreachable DOCKER_HOST is a build error, never a load into another engine."""
    code, stdout, stderr = invoke(
        ["build", "go", str(PROBE), "--no-git", "-o", "docker-daemon:imagekit-test/nowhere:1"],
        IMAGEKIT_CACHE_DIR=str(go_cache),
        DOCKER_HOST=host,
    )
    assert code == 4, stderr
    assert stdout == ""
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("imagekit: error[build]: docker-daemon:imagekit-test/nowhere:1: ")
    assert "cannot reach the docker engine" in last


def test_releases_go_into_the_engine(
    invoke: Callable[..., tuple[int, str, str]],
    engine: Any,
    engine_tags: Any,
    go_cache: Path,
    tmp_path: Path,
) -> None:
    """The script's way (the compile started before click, the load opened while it runs):
    two releases under one tag, each the engine's image at the tag once the command ends."""
    module = tmp_path / "svc"
    shutil.copytree(PROBE, module)
    tag = engine_tags.name("imagekit-test/cli-release:latest")
    ids = []
    for release in ("one", "two"):
        source = (PROBE / "main.go").read_text()
        release_line = f'func init() {{ os.Setenv("RELEASE", "{release}") }}\n'
        (module / "main.go").write_text(f"{source}\n{release_line}")
        code, stdout, stderr = invoke(
            [
                "build",
                "go",
                str(module),
                "--no-git",
                "--format",
                "json",
                "-o",
                f"docker-daemon:{tag}",
            ],
            IMAGEKIT_CACHE_DIR=str(go_cache),
        )
        assert code == 0, stderr
        (written,) = json.loads(stdout)["outputs"]
        assert written["output"] == f"docker-daemon:{tag}"
        assert engine.images.get(tag).id == written["image_id"]
        ids.append(written["image_id"])
    assert ids[0] != ids[1]


def test_a_compile_error_loads_nothing_into_the_engine(
    invoke: Callable[..., tuple[int, str, str]],
    engine: Any,
    engine_tags: Any,
    tmp_path: Path,
) -> None:
    import docker.errors

    module = tmp_path / "broken"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/broken\n\ngo 1.19\n")
    (module / "main.go").write_text("package main\n\nfunc main() { undefined() }\n")
    tag = engine_tags.name("imagekit-test/cli-broken:latest")
    code, stdout, stderr = invoke(
        ["build", "go", str(module), "-o", f"docker-daemon:{tag}"],
        IMAGEKIT_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert code == 4 and "undefined" in stderr and stdout == ""
    with pytest.raises(docker.errors.ImageNotFound):
        engine.images.get(tag)
    assert engine.ping()
