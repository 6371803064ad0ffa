"""`imagekit inspect` and `imagekit diff` through the command line: formats, the gate, bad input."""

from __future__ import annotations

import gzip
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.analyze import analyze
from imagekit.cli import cli, main
from imagekit.oci.archive_write import write_archive
from imagekit.oci.layout import write_layout
from tests.report.examples import example_image, old_image
from tests.support.images import MemoryImage, MemoryLayer, file, tar

#: How the waste messages name the example image's one waste finding.
WASTE = "; from IK102 cleanup-in-later-layer (35.0 kB, layer 1 → 2)"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty directory, so no configuration file of the repository applies."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(example_image(""), tmp_path / "app.tar", ["app:1"])


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    write_layout(example_image(), tmp_path / "layout", "1")
    return tmp_path / "layout"


def one_line_error(result: Result, code: int, *parts: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0]
    return lines[0]


def test_table_is_the_default(archive: Path) -> None:
    result = run("inspect", f"docker-archive:{archive}")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"image:      docker-archive:{archive}\n")
    assert "size:       unknown compressed" in result.stdout
    assert "IK201   apt-lists-left" in result.stdout


def test_json_matches_the_analysis(layout: Path) -> None:
    result = run("inspect", "--format", "json", f"oci:{layout}:1")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    expected = analyze(example_image())
    assert data["total_size"] == expected.total_size
    assert data["wasted_bytes"] == expected.wasted_bytes == 35_004
    assert [layer["diff_id"] for layer in data["layers"]] == [
        layer.diff_id for layer in expected.layers
    ]
    assert "gate" not in data


def test_files_and_markdown(archive: Path) -> None:
    result = run("inspect", "--files", "--format", "markdown", f"docker-archive:{archive}")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"### imagekit inspect `docker-archive:{archive}`")
    assert "#### Files of layer 2" in result.stdout
    data = json.loads(
        run(
            "inspect",
            "--files",
            "--format",
            "json",
            f"docker-archive:{archive}",
        ).stdout
    )
    assert [len(layer["files"]) for layer in data["layers"]] == [2, 7, 3]


def test_compute_compressed_fills_the_sizes(archive: Path) -> None:
    data = json.loads(
        run(
            "inspect", "--compute-compressed", "--format", "json", f"docker-archive:{archive}"
        ).stdout
    )
    assert data["total_size"] is not None and data["total_size"] > 0
    assert all(layer["size_computed"] for layer in data["layers"])


def test_gate_crossed_exit_1_with_one_line_per_limit(archive: Path) -> None:
    result = run(
        "inspect",
        f"docker-archive:{archive}",
        "--max-size",
        "100kB",
        "--max-wasted-bytes",
        "30KiB",
        "--max-wasted-percent",
        "50",
        "--min-efficiency",
        "0.9",
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("image:")  # the report is still printed
    total = analyze(example_image("")).total_uncompressed_size
    efficiency = 1 - 35_004 / 233_227
    assert result.stderr.splitlines() == [
        f"imagekit: error[policy-failure]: size {total / 1000:.0f} kB ({total} bytes, "
        "uncompressed: no compressed sizes known) is over --max-size 100 kB (100000 bytes) "
        f"by {(total - 100_000) / 1000:.0f} kB ({total - 100_000} bytes)",
        "imagekit: error[policy-failure]: wasted 35.0 kB (35004 bytes) is over "
        "--max-wasted-bytes 30.7 kB (30720 bytes) by 4.28 kB (4284 bytes)" + WASTE,
        f"imagekit: error[policy-failure]: efficiency {efficiency:.4f} is under "
        f"--min-efficiency 0.9 by {0.9 - efficiency:.4f}{WASTE}",
    ]


def test_gate_passed_exit_0(layout: Path) -> None:
    result = run("inspect", f"oci:{layout}", "--max-size", "1MB", "--min-efficiency", "0.5")
    assert (result.exit_code, result.stderr) == (0, "")


def test_json_and_gate_in_one_run(layout: Path) -> None:
    result = run("inspect", "--format", "json", f"oci:{layout}", "--max-wasted-bytes", "1000")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["gate"]["passed"] is False
    assert data["gate"]["crossed"][0]["limit"] == "max-wasted-bytes"
    assert data["gate"]["crossed"][0]["by"] == 34_004
    assert result.stderr.splitlines() == [
        "imagekit: error[policy-failure]: wasted 35.0 kB (35004 bytes) is over "
        "--max-wasted-bytes 1.00 kB (1000 bytes) by 34.0 kB (34004 bytes)" + WASTE
    ]


def write_config(text: str) -> Path:
    path = Path(".imagekit.yaml").resolve()
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_gate_from_the_config_file(layout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(
        """
        lint:
          ignore: [IK101]
        inspect:
          max-wasted-bytes: 10 kB
          max-wasted-percent: 5%
        """
    )
    (Path("sub") / "dir").mkdir(parents=True)
    monkeypatch.chdir("sub/dir")  # found from the current directory upward
    result = run("inspect", f"oci:{layout}")
    assert result.exit_code == 1
    share = 100 * 35_004 / 233_227
    assert result.stderr.splitlines() == [
        "imagekit: error[policy-failure]: wasted 35.0 kB (35004 bytes) is over "
        f"inspect.max-wasted-bytes 10.0 kB (10000 bytes) (set in {config}:4) "
        "by 25.0 kB (25004 bytes)" + WASTE,
        "imagekit: error[policy-failure]: wasted "
        f"{share:.2f}% of the content bytes written is over inspect.max-wasted-percent 5% "
        f"(set in {config}:5) by {share - 5:.2f} percentage points{WASTE}",
    ]


def test_flags_override_the_config_file(layout: Path) -> None:
    write_config("inspect:\n  max-wasted-bytes: 10kB\n")
    result = run("inspect", f"oci:{layout}", "--max-wasted-bytes", "1MB")
    assert (result.exit_code, result.stderr) == (0, "")
    assert run("inspect", f"oci:{layout}", "--isolated").exit_code == 0
    assert run("inspect", f"oci:{layout}").exit_code == 1


def test_config_given_with_config_flag(layout: Path, tmp_path: Path) -> None:
    path = tmp_path / "ci.yaml"
    path.write_text("inspect:\n  min-efficiency: 0.99\n", encoding="utf-8")
    result = run("inspect", f"oci:{layout}", "--config", str(path))
    assert result.exit_code == 1
    assert f"inspect.min-efficiency 0.99 (set in {path}:2)" in result.stderr
    missing = run("inspect", f"oci:{layout}", "--config", str(tmp_path / "none.yaml"))
    one_line_error(missing, 2, "error[config]", "none.yaml not found")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inspect:\n  max-size: 10XB\n", ":2: 'inspect.max-size': bad size '10XB'"),
        ("inspect:\n  min-efficiency: 1.5\n", ":2: 'inspect.min-efficiency': 1.5 is out of range"),
        ("inspect:\n  max-wasted-percent: lots\n", ":2: 'inspect.max-wasted-percent': bad number"),
        ("inspect:\n  max-waste: 1\n", ":2: unknown key 'inspect.max-waste'"),
        ("inspect: 10MB\n", ":1: 'inspect' must be a mapping"),
    ],
)
def test_bad_config_exit_2_with_file_and_line(layout: Path, text: str, message: str) -> None:
    config = write_config(text)
    one_line_error(run("inspect", f"oci:{layout}"), 2, "error[config]", f"{config}{message}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-size", "10XB"], "--max-size: bad size '10XB': expected a number of bytes"),
        (["--max-wasted-bytes", "-5"], "--max-wasted-bytes: bad size '-5'"),
        (["--max-wasted-percent", "120"], "--max-wasted-percent: '120' is out of range"),
        (["--min-efficiency", "high"], "--min-efficiency: bad number 'high'"),
        (["--platform", "linux"], "bad --platform 'linux': expected OS/ARCH[/VARIANT]"),
        (["--base", "9"], "--base 9: "),
    ],
)
def test_bad_options_exit_2(layout: Path, args: list[str], message: str) -> None:
    one_line_error(run("inspect", f"oci:{layout}", *args), 2, "error[usage]", message)


def test_click_usage_errors_are_one_line_too(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", f"oci:{layout}", "--format", "xml"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "imagekit: error[usage]: Invalid value for '--format': 'xml' is not one of 'table', "
        "'json', 'markdown'. (hint: see `imagekit inspect --help`)"
    ]
    assert main(["diff", f"oci:{layout}"]) == 2
    assert "Missing argument 'NEW'" in capsys.readouterr().err


def test_base_as_an_image(tmp_path: Path, layout: Path) -> None:
    base = MemoryImage([example_image().layers[0]], name="base")
    write_archive(base, tmp_path / "base.tar")
    with_base = json.loads(
        run(
            "inspect",
            "--format",
            "json",
            "--base",
            f"docker-archive:{tmp_path}/base.tar",
            f"oci:{layout}",
        ).stdout
    )
    by_count = json.loads(run("inspect", "--format", "json", "--base", "1", f"oci:{layout}").stdout)
    assert with_base["base"] == by_count["base"] == 1
    assert with_base["wasted_bytes"] == by_count["wasted_bytes"]
    assert [layer["base"] for layer in with_base["layers"]] == [True, False, False]


def test_base_image_that_is_not_a_base(tmp_path: Path, layout: Path) -> None:
    write_archive(old_image(), tmp_path / "old.tar")
    result = run("inspect", "--base", f"docker-archive:{tmp_path}/old.tar", f"oci:{layout}")
    one_line_error(result, 2, "error[usage]", "does not start with that image's layers")


def test_missing_archive_exit_2(tmp_path: Path) -> None:
    result = run("inspect", f"docker-archive:{tmp_path}/missing.tar")
    one_line_error(result, 2, "error[unreadable-input]", "missing.tar: no such file")


def test_not_an_archive_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "junk.tar"
    path.write_bytes(b"this is not a tar archive" * 40)
    one_line_error(run("inspect", f"docker-archive:{path}"), 2, "error[bad-image]")


def test_corrupt_layer_is_named(tmp_path: Path) -> None:
    good = tar(file("etc/hostname", b"x\n"))
    data = tar(file("app/blob", 50_000))
    blob = bytearray(gzip.compress(data, mtime=0))
    blob[len(blob) // 2 : len(blob) // 2 + 8] = b"\xff" * 8
    layer = MemoryLayer(data)
    layer.blob = bytes(blob)
    write_layout(MemoryImage([MemoryLayer(good), layer]), tmp_path / "bad")
    # the layout writer copied the broken blob under its real digest; the config still
    # names the diff ID of the intact tar
    line = one_line_error(run("inspect", f"oci:{tmp_path}/bad"), 2, "error[bad-image]")
    assert "layer 1" in line


def test_truncated_archive_exit_2(archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    one_line_error(run("inspect", f"docker-archive:{cut}"), 2, "error[bad-image]")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("dir:/tmp/x", "the dir transport is not supported"),
        ("docker:app", "a registry source starts with docker://"),
        ("Not An Image", "is not an image name"),
    ],
)
def test_bad_sources_exit_2(source: str, message: str) -> None:
    one_line_error(run("inspect", source), 2, "error[usage]", message)


def test_registry_source_needs_a_reachable_registry() -> None:
    result = run("inspect", "docker://127.0.0.1:9/none/such:1", "--insecure-registry")
    line = one_line_error(result, 3, "error[registry]")
    assert "127.0.0.1:9" in line


def test_diff_formats(tmp_path: Path, layout: Path) -> None:
    write_archive(old_image(), tmp_path / "old.tar")
    old = f"docker-archive:{tmp_path}/old.tar"
    table = run("diff", old, f"oci:{layout}")
    assert table.exit_code == 0, table.stderr
    assert "layers:       1 shared, 2 added, 1 removed" in table.stdout
    assert "compressed:   unknown (old image without compressed blobs" in table.stdout
    data = json.loads(run("diff", "--format", "json", old, f"oci:{layout}").stdout)
    assert data["uncompressed_size"]["delta"] == (
        analyze(example_image()).total_uncompressed_size
        - analyze(old_image()).total_uncompressed_size
    )
    assert [f["path"] for f in data["files"]["removed"]] == ["/opt/old.txt"]
    markdown = run("diff", "--format", "markdown", old, f"oci:{layout}").stdout
    assert markdown.startswith("### imagekit diff ")


def test_diff_bad_input_exit_2(layout: Path, tmp_path: Path) -> None:
    result = run("diff", f"oci:{layout}", f"oci:{tmp_path}/nothing")
    one_line_error(result, 2)
