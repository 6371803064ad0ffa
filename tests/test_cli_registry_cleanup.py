"""`imagekit registry usage`, `prune` and `gc` through the command line: formats, dry runs,
and bad input as one line and a non-zero exit (a registry that is down, a repository that
does not exist, a bad --older-than, --keep-last 0 without --yes, deletes disabled, gc on a
registry that is not the embedded one).

The registry is an embedded one of this module's own (small, so each run takes
milliseconds), the default REGISTRY through IMAGEKIT_REGISTRY_DIR."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli, main
from imagekit.services.network import pick_ports
from tests.support.fill import dated_image, filesystem_registry, layer, private_registry, push


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with private_registry(tmp_path_factory.mktemp("cli-cleanup") / "registry") as registry:
        yield registry


@pytest.fixture(autouse=True)
def _environment(own: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("IMAGEKIT_REGISTRY_DIR", str(own.data_dir))


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["registry", *args], catch_exceptions=False)


def one_line_error(result: Result, code: int, *parts: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("imagekit: error")]
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def two_repositories(own: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    workdir = tmp_path_factory.mktemp("cleanup")
    env = {"IMAGEKIT_REGISTRY_DIR": str(own.data_dir)}
    base = layer(30_000)
    app, other = "team/app", "team/other"
    first = dated_image(base, layer(1_000), created="2024-01-01T00:00:00Z")
    push(own.address, app, "v1", first, workdir, **env)
    second = dated_image(base, layer(2_000), created="2024-02-01T00:00:00Z")
    push(own.address, app, "v2", second, workdir, **env)
    push(own.address, other, "v1", dated_image(base, layer(3_000)), workdir, **env)
    push(own.address, "lone", "v1", dated_image(layer(500)), workdir, **env)
    return app, other


@pytest.fixture
def registry(own: Any) -> str:
    """The module's own registry, in place of the shared test registry."""
    return str(own.address)


def test_usage_formats_and_repository_filter(
    registry: str, two_repositories: tuple[str, str]
) -> None:
    app, other = two_repositories
    result = run("usage", registry, "--repository", app, "--repository", other, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [r["name"] for r in document["repositories"]] == [app, other]
    first = document["repositories"][0]
    assert [t["tag"] for t in first["tags"]] == ["v1", "v2"]
    assert first["shared_bytes"] >= 30_000  # the base is in the other repository too
    assert first["unique_bytes"] == first["referenced_bytes"] - first["shared_bytes"] > 3_000
    assert first["tags"][1]["created"] == "2024-02-01T00:00:00Z"
    assert first["tags"][1]["platforms"] == ["linux/amd64"]
    # the filter picks what is shown; the total stays the whole registry's (lone's too)
    everything = json.loads(run("usage", "--format", "json").stdout)
    assert document["total_bytes"] == everything["total_bytes"]
    assert document["blob_count"] == everything["blob_count"]
    shown = {r["name"]: r for r in everything["repositories"]}
    assert shown[app] == first and set(shown) == {app, other, "lone"}
    lone = shown["lone"]["referenced_bytes"]
    assert (
        everything["total_bytes"] == first["referenced_bytes"] + shown[other]["unique_bytes"] + lone
    )
    assert result.stderr.startswith(f"imagekit: read 3 repositories and 4 tags of {registry}")

    table = run("usage", registry, "--repository", app)
    assert table.exit_code == 0
    assert (
        f"{app}:v2" in table.stdout and "referenced" in table.stdout and other not in table.stdout
    )
    markdown = run("usage", registry, "--repository", app, "--format", "markdown")
    assert markdown.stdout.startswith("### Registry storage") and f"`{app}:v1`" in markdown.stdout


def test_prune_dry_run_lists_what_would_go_and_deletes_nothing(
    registry: str, two_repositories: tuple[str, str]
) -> None:
    app, _ = two_repositories
    result = run("prune", f"{registry}/{app}", "--keep-last", "1")
    assert result.exit_code == 0, result.stderr
    assert "would delete 1 tags (1 manifests) of 2" in result.stdout
    assert "nothing deleted: add --yes" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith(app)}
    assert "delete" in lines[f"{app}:v1"] and "keep" in lines[f"{app}:v2"]
    again = json.loads(
        run("prune", app, "--registry", registry, "--keep-last", "1", "--format", "json").stdout
    )
    assert again["freed_bytes"] > 1_000 and again["dry_run"] is True
    assert (
        run("usage", registry, "--repository", app, "--format", "json").stdout.count('"tag"') == 2
    )


def test_bad_input_is_one_line_and_a_non_zero_exit(
    registry: str,
    two_repositories: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = two_repositories
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMAGEKIT_REGISTRY_DIR", str(tmp_path / "none"))
        one_line_error(run("usage"), 2, "no REGISTRY given", "imagekit registry up")
        one_line_error(run("gc", "--yes"), 5, "no embedded registry runs from", "registry up")
    one_line_error(
        run("usage", registry, "--repository", "no/such-repository"),
        2,
        "no repository 'no/such-repository'",
    )
    one_line_error(run("prune", f"{registry}/no/such", "--keep-last", "3"), 2, "no repository")
    one_line_error(
        run("prune", f"{registry}/{app}", "--keep-last", "1", "--older-than", "30 days"),
        2,
        "--older-than",
    )
    one_line_error(
        run("prune", f"{registry}/{app}", "--keep-last", "0"), 2, "--keep-last 0", "--yes"
    )
    one_line_error(
        run("prune", "--keep-last", "2", "--registry", registry), 2, "name one REPO or give --all"
    )
    one_line_error(
        run("prune", f"{registry}/{app}", "--all", "--keep-last", "2"),
        2,
        "name one REPO or give --all",
    )
    # click's own parse errors, as the imagekit script reports them
    assert main(["registry", "prune", f"{registry}/{app}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("imagekit: error[usage]: Missing option '--keep-last'")
    one_line_error(run("usage", registry, "--workers", "0"), 2, "--workers")


def test_a_registry_that_is_down() -> None:
    port = pick_ports("127.0.0.1", 1)[0]
    one_line_error(run("usage", f"127.0.0.1:{port}"), 3, "unreachable")


def test_gc_only_on_the_embedded_registry(registry: str, own: Any) -> None:
    other = f"127.0.0.1:{pick_ports('127.0.0.1', 1)[0]}"
    line = one_line_error(
        run("gc", "--registry", other, "--yes"), 2, "is not the embedded registry"
    )
    assert registry in line
    dry = run("gc", "--registry", registry)
    assert dry.exit_code == 0 and dry.stdout.startswith("would delete ")


def test_deletes_disabled_say_how_to_enable_them(tmp_path: Path) -> None:
    with filesystem_registry(tmp_path / "nodelete", delete=False) as address:
        push(
            address, "app", "v1", dated_image(layer(100), created="2024-01-01T00:00:00Z"), tmp_path
        )
        push(
            address, "app", "v2", dated_image(layer(100), created="2024-01-02T00:00:00Z"), tmp_path
        )
        dry = run("prune", f"{address}/app", "--keep-last", "1")
        assert dry.exit_code == 0 and "would delete 1 tags" in dry.stdout
        line = one_line_error_any(run("prune", f"{address}/app", "--keep-last", "1", "--yes"), 3)
        assert "refuses to delete manifests" in line and "delete: enabled: true" in line
        tags = json.loads(run("usage", address, "--format", "json").stdout)
        assert [t["tag"] for t in tags["repositories"][0]["tags"]] == ["v1", "v2"]


def one_line_error_any(result: Result, code: int) -> str:
    """The one error line of a run that may have printed before failing."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("imagekit: error")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_commands_load_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from imagekit.cli import main\n"
        "try:\n"
        "    main(['registry', 'prune', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'boto3', 'docker', 'rich', 'matplotlib', 'yaml'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
