"""`imagekit inspect` and `imagekit diff` on images built by the docker engine.

The same image is read from the engine, from a `docker save` archive, from an OCI layout
written by imagekit and from the test registry: every source must give the same layers,
sizes, waste and findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli
from imagekit.oci.layout import write_layout
from imagekit.oci.transport import open_image
from tests.support import registry as registries
from tests.support.docker import DEBIAN_TAG, build, run, save

BIG = 300_000
WASTE_DOCKERFILE = f"""\
FROM busybox
RUN mkdir -p /opt/app && head -c {BIG} /dev/urandom > /opt/app/bundle.bin \\
 && echo 'echo hello' > /opt/app/run.sh && echo scratch > /tmp/notes.txt
RUN rm /opt/app/bundle.bin
"""


def inspect(*args: str) -> Result:
    return CliRunner().invoke(cli, ["inspect", *args], catch_exceptions=False)


def inspect_json(*args: str) -> dict[str, Any]:
    result = inspect("--format", "json", "--isolated", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def waste_image(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    context = tmp_path_factory.mktemp("waste")
    build(engine, context, WASTE_DOCKERFILE, "imagekit-test/inspect-waste:1")
    return "imagekit-test/inspect-waste:1"


@pytest.fixture(scope="module")
def sources(
    engine: Any, registry: str, waste_image: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The waste image as each of the four sources."""
    scratch = tmp_path_factory.mktemp("sources")
    archive = save(engine, waste_image, scratch / "image.tar")
    image = open_image(f"docker-archive:{archive}")
    try:
        write_layout(image, scratch / "layout", "1")
    finally:
        image.close()
    remote = registries.push_daemon(waste_image, f"{registry}/{registries.repository()}:1")
    return {
        "docker-daemon": waste_image,
        "docker-archive": f"docker-archive:{archive}",
        "oci": f"oci:{scratch / 'layout'}:1",
        "docker": f"docker://{remote}",
    }


def essentials(data: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the source: layers, uncompressed sizes, waste, findings."""
    return {
        "layers": [
            (
                layer["diff_id"],
                layer["uncompressed_size"],
                layer["created_by"],
                layer["wasted_bytes"],
            )
            for layer in data["layers"]
        ],
        "total_uncompressed_size": data["total_uncompressed_size"],
        "content_bytes": data["content_bytes"],
        "wasted_bytes": data["wasted_bytes"],
        "efficiency": data["efficiency"],
        "wasted": data["wasted"],
        "findings": [
            (f["rule"], f["layer"], f["paths"], f["bytes"], f["message"]) for f in data["findings"]
        ],
    }


def test_the_same_image_from_four_sources(sources: dict[str, str]) -> None:
    reports = {
        name: inspect_json(source, "--insecure-registry") for name, source in sources.items()
    }
    daemon = reports["docker-daemon"]
    for name, data in reports.items():
        assert essentials(data) == essentials(daemon), name
    # the engine and its archives have no compressed blobs; the layout and registry do
    assert daemon["total_size"] is None and reports["docker-archive"]["total_size"] is None
    for name in ("oci", "docker"):
        assert reports[name]["total_size"] == sum(x["size"] for x in reports[name]["layers"])
        assert reports[name]["digest"] is not None


def test_a_file_deleted_in_a_later_run_is_exactly_its_size_of_waste(
    sources: dict[str, str],
) -> None:
    data = inspect_json(sources["docker-archive"])
    assert len(data["layers"]) == 3
    assert data["wasted_bytes"] == BIG
    assert data["wasted"] == [
        {"path": "/opt/app/bundle.bin", "size": BIG, "layer": 1, "hidden_by": 2}
    ]
    assert [layer["wasted_bytes"] for layer in data["layers"]] == [0, BIG, 0]
    assert data["layers"][2]["files_removed"] == 1
    assert data["efficiency"] == pytest.approx(1 - BIG / data["content_bytes"])
    assert ("IK211", 1, ["/tmp/notes.txt"], 8) in [
        (f["rule"], f["layer"], f["paths"], f["bytes"]) for f in data["findings"]
    ]


def test_gate_on_a_built_image(sources: dict[str, str]) -> None:
    result = inspect(sources["docker-daemon"], "--isolated", "--max-wasted-bytes", "100kB")
    assert result.exit_code == 1
    assert result.stderr == (
        f"imagekit: error[policy-failure]: wasted 300 kB ({BIG} bytes) is over "
        f"--max-wasted-bytes 100 kB (100000 bytes) by 200 kB ({BIG - 100_000} bytes); "
        "from IK102 cleanup-in-later-layer (300 kB, layer 1 → 2)\n"
    )
    assert "/opt/app/bundle.bin" in result.stdout


@pytest.mark.parametrize("kind", ["docker-daemon", "docker-archive", "oci", "docker"])
def test_waste_is_an_ik102_finding_from_every_source(sources: dict[str, str], kind: str) -> None:
    data = inspect_json(sources[kind])
    [waste] = [f for f in data["findings"] if f["rule"] == "IK102"]
    assert (waste["layer"], waste["hidden_by"], waste["bytes"]) == (1, 2, BIG)
    assert waste["bytes"] == data["wasted_bytes"]
    assert waste["paths"] == ["/opt/app/bundle.bin"]
    assert "head -c" in waste["created_by"]
    assert "deleted by layer 2" in waste["message"]
    assert waste["severity"] == "warning"
    assert not [f for f in data["findings"] if f["rule"] == "IK103"]


def test_base_image_by_name(sources: dict[str, str]) -> None:
    data = inspect_json(sources["docker-daemon"], "--base", "busybox:latest")
    assert data["base"] == 1
    assert [layer["base"] for layer in data["layers"]] == [True, False, False]
    assert data["wasted_bytes"] == BIG


def test_apt_lists_left_show_ik201_with_their_bytes(engine: Any, tmp_path: Path) -> None:
    dockerfile = f"FROM {DEBIAN_TAG}\nRUN apt-get update\n"
    image = build(engine, tmp_path, dockerfile, "imagekit-test/inspect-apt:1")
    sizes = run(
        engine,
        image,
        [
            "find",
            "/var/lib/apt/lists",
            "-type",
            "f",
            "!",
            "-name",
            "lock",
            "-size",
            "+0c",
            "-printf",
            "%s\\n",
        ],
    )
    expected = sum(int(line) for line in sizes.split())
    assert expected > 1_000_000  # the package indexes
    data = inspect_json("imagekit-test/inspect-apt:1", "--base", DEBIAN_TAG)
    ik201 = [f for f in data["findings"] if f["rule"] == "IK201"]
    assert len(ik201) == 1
    assert ik201[0]["layer"] == 1
    assert ik201[0]["bytes"] == expected
    assert all(path.startswith("/var/lib/apt/lists/") for path in ik201[0]["paths"])
    assert all(f["layer"] >= 1 for f in data["findings"])  # nothing from the base layer


def test_diff_between_two_builds(engine: Any, tmp_path: Path, waste_image: str) -> None:
    newer = WASTE_DOCKERFILE.replace(
        "RUN rm /opt/app/bundle.bin\n",
        "RUN rm /opt/app/bundle.bin && head -c 5000 /dev/zero > /opt/app/extra.bin\n",
    )
    build(engine, tmp_path, newer, "imagekit-test/inspect-waste:2")
    result = CliRunner().invoke(
        cli,
        ["diff", "--format", "json", waste_image, "docker-daemon:imagekit-test/inspect-waste:2"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # busybox and the first RUN (from the build cache) are shared; the last RUN differs
    assert [layer["index"] for layer in data["layers"]["shared"]] == [0, 1]
    assert [layer["index"] for layer in data["layers"]["added"]] == [2]
    assert [layer["index"] for layer in data["layers"]["removed"]] == [2]
    assert "head -c 5000" in data["layers"]["added"][0]["created_by"]
    assert "/opt/app/extra.bin" in [f["path"] for f in data["files"]["added"]]
    assert data["size"]["delta"] is None
    assert data["uncompressed_size"]["delta"] == (
        data["uncompressed_size"]["new"] - data["uncompressed_size"]["old"]
    )
    table = CliRunner().invoke(cli, ["diff", waste_image, "imagekit-test/inspect-waste:2"])
    assert "layers:       2 shared, 1 added, 1 removed" in table.stdout


def test_missing_engine_image_exit_2(engine: Any) -> None:
    result = inspect("docker-daemon:imagekit-test/no-such-image:1")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "imagekit: error[bad-image]: docker-daemon:imagekit-test/no-such-image:1: no such "
        "image in the docker engine (hint: build or pull it first, or name another source)"
    ]


CHOWN_DOCKERFILE = """\
FROM busybox
RUN echo "app:x:1000:1000::/srv/app:/bin/sh" >> /etc/passwd
COPY app/ /srv/app/
RUN chown -R 1000:1000 /srv/app && chmod 0600 /srv/app/config.txt
RUN rm /srv/app/junk.bin
COPY app/config.txt /etc/app.conf
COPY app/config.txt /etc/app.conf
"""


def test_chown_of_copied_files_is_ik103(engine: Any, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "data.bin").write_bytes(bytes(range(256)) * 800)  # 204800 bytes
    (tmp_path / "app" / "config.txt").write_text("port = 8080\n", encoding="utf-8")
    (tmp_path / "app" / "junk.bin").write_bytes(b"j" * 5000)
    build(engine, tmp_path, CHOWN_DOCKERFILE, "imagekit-test/inspect-chown:1")
    data = inspect_json("imagekit-test/inspect-chown:1", "--base", "busybox:latest")
    found = {(f["rule"], f["layer"], f["hidden_by"]): f for f in data["findings"]}
    # The chown stores the copied files again, unchanged but for their owner (and a mode).
    ik103 = found[("IK103", 2, 3)]
    assert ik103["bytes"] == 204_800 + 12 + 5000
    assert set(ik103["paths"]) == {"/srv/app/data.bin", "/srv/app/config.txt", "/srv/app/junk.bin"}
    assert "COPY" in ik103["created_by"]
    assert "only their owner or mode changed" in ik103["message"]
    # The chowned junk.bin deleted a layer later is IK102: written by 3, deleted by 4.
    ik102 = found[("IK102", 3, 4)]
    assert (ik102["bytes"], ik102["paths"]) == (5000, ["/srv/app/junk.bin"])
    # The same file copied twice is stored again unchanged, owner and mode too: IK102.
    again = found[("IK102", 5, 6)]
    assert (again["bytes"], again["paths"]) == (12, ["/etc/app.conf"])
    assert "stored again unchanged by layer 6" in again["message"]
    assert ("IK103", 5, 6) not in found
    waste = sum(f["bytes"] for f in data["findings"] if f["rule"] in ("IK102", "IK103"))
    assert waste == data["wasted_bytes"]
    # The table names both; the gate counts them.
    table = inspect("--isolated", "imagekit-test/inspect-chown:1", "--max-wasted-bytes", "1kB")
    assert table.exit_code == 1
    assert "IK103   recursive-chown-after-copy" in table.stdout
    assert "from IK103 recursive-chown-after-copy (210 kB, layer 2 → 3)" in table.stderr
    # Without --base the busybox layer is judged too, and nothing of it is wasted.
    assert inspect_json("imagekit-test/inspect-chown:1")["wasted_bytes"] == data["wasted_bytes"]
