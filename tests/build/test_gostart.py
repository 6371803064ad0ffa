"""``build go``'s compile started before click parses the command line: the arguments it
reads (and those it leaves to click), its option table against the command's own, the
hand-over, and the image it gives against the one the command makes alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from imagekit.build.gocompile import GoBuild, host_platform
from imagekit.cli import GROUPS, build_cli, groups_for, main
from imagekit.cli.gostart import (
    FLAGS,
    VALUE_OPTIONS,
    CompileInputs,
    EarlyGo,
    compile_inputs,
    start_early,
)
from imagekit.config import from_env
from imagekit.oci.manifest import Platform
from tests.build.conftest import PROBE


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["."], CompileInputs(".", (), ".", "", "")),
        (
            ["svc", "--output", "docker-daemon:a/b:c", "-o", "oci:x", "--format=json", "--no-git"],
            CompileInputs("svc", (), ".", "", ""),
        ),
        (
            ["--platform", "linux/amd64,linux/arm64", "--platform=linux/arm/v7", "svc"],
            CompileInputs("svc", ("linux/amd64,linux/arm64", "linux/arm/v7"), ".", "", ""),
        ),
        (
            ["svc", "--package", "./cmd/api", "--name", "api", "--tags", "a,b", "--name=x"],
            CompileInputs("svc", (), "./cmd/api", "x", "a,b"),
        ),
        # an option's value is taken whatever it looks like, as click takes it
        (["--name", "-odd", "svc", "--label", "--x=y"], CompileInputs("svc", (), ".", "-odd", "")),
        (["--", "-dir"], CompileInputs("-dir", (), ".", "", "")),
        (["--tzdata", "--insecure-registry", "svc"], CompileInputs("svc", (), ".", "", "")),
    ],
)
def test_compile_inputs_reads_what_click_reads(args: list[str], expected: CompileInputs) -> None:
    assert compile_inputs(args) == expected


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["-h", "svc"],
        ["svc", "other"],
        ["svc", "--outpt", "x"],  # misspelt: click says so
        ["svc", "-ooci:x"],  # a short option with its value attached
        ["svc", "--tzdata=yes"],  # a flag given a value
        ["svc", "--output"],  # a value missing
    ],
)
def test_compile_inputs_leaves_the_rest_to_click(args: list[str]) -> None:
    assert compile_inputs(args) is None


def test_the_option_table_is_the_commands_own() -> None:
    command = build_cli().commands["build"].commands["go"]  # type: ignore[attr-defined]
    values: set[str] = set()
    flags: set[str] = set()
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        names = {*param.opts, *param.secondary_opts} - {"-h", "--help"}
        (flags if param.is_flag else values).update(names)
    assert values == VALUE_OPTIONS
    assert flags == FLAGS


def test_groups_for_picks_the_group_of_the_command() -> None:
    full = build_cli()
    registered = set(full.commands)
    assert registered == {name for names in GROUPS.values() for name in names}
    for module, names in GROUPS.items():
        for name in names:
            assert groups_for([name, "--help"]) == (module,)
            assert name in build_cli(groups=(module,)).commands
    assert groups_for([]) == tuple(GROUPS)
    assert groups_for(["--version"]) == tuple(GROUPS)
    assert groups_for(["biuld"]) == tuple(GROUPS)


def test_a_compile_is_handed_over_only_when_it_is_the_one_asked_for(
    go_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMAGEKIT_CACHE_DIR", str(go_cache))
    config = from_env(dict(os.environ))
    build = GoBuild(PROBE, host_platform())
    early = EarlyGo([build], "goprobe", config)
    try:
        compiles = early.adopt([build], "goprobe")
        assert compiles is not None
        binary = compiles[0].wait()
        assert binary == early.scratch / "bin" / "linux-amd64" / "goprobe"
        assert binary.stat().st_size > 100_000
    finally:
        early.close()
    assert not early.scratch.exists()
    other = EarlyGo([build], "goprobe", config)
    try:
        tagged = GoBuild(PROBE, host_platform(), tags=("netgo",))
        assert other.adopt([tagged], "goprobe") is None
        assert other.adopt([build], "probe") is None
    finally:
        other.close()


def test_start_early_declines_what_it_cannot_start(tmp_path: Path) -> None:
    config = from_env({"IMAGEKIT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
    assert start_early(["--help"], config) is None
    assert start_early([str(tmp_path / "missing")], config) is None  # no go.mod to name it
    assert start_early([str(PROBE), "--platform", "linux"], config) is None  # not OS/ARCH
    no_go = from_env({"IMAGEKIT_CACHE_DIR": str(tmp_path / "cache"), "PATH": str(tmp_path)})
    assert start_early([str(PROBE)], no_go) is None
    early = start_early([str(PROBE), "--platform", "linux/arm64,linux/amd64"], config)
    assert early is not None
    try:
        assert [b.platform for b in early.builds] == [
            Platform("linux", "arm64"),
            Platform("linux", "amd64"),
        ]
        assert early.name == "goprobe"
    finally:
        early.close()


def test_the_script_and_the_click_command_make_one_image(
    go_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``main`` starts the compile before click (the script's way); the click command
    alone (CliRunner) compiles itself: the same sources give the same digest."""
    env = {"IMAGEKIT_CACHE_DIR": str(go_cache), "SOURCE_DATE_EPOCH": "1700000000"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = ["build", "go", str(PROBE), "--no-git", "--format", "json", "--base", "scratch"]
    capsys.readouterr()
    assert main([*args, "-o", f"oci:{tmp_path}/early"]) == 0
    early = json.loads(capsys.readouterr().out)
    result = CliRunner().invoke(build_cli(), [*args, "-o", f"oci:{tmp_path}/late"], env=env)
    assert result.exit_code == 0, result.output
    late = json.loads(result.stdout)
    assert early["digest"] == late["digest"]
    assert early["layers"] == late["layers"]
