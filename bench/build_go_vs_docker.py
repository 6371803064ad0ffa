"""Side-by-side benchmark: ``imagekit build go`` against ``docker build`` of the equivalent
multi-stage Dockerfile, on the same engine, in one run; and the roots' sizes and digests.

The service is examples/go-service. docker builds it with a golang-go build stage on the
Debian root (debian:bookworm-slim, as .ci/services makes it) and a busybox final stage; the
classic builder has no cache mounts, so a layer that runs ``go build -trimpath std`` warms
the Go cache inside the build stage (both sides then compile with a warm cache). After one
untimed build each, every round changes main.go (a release) and times:

- ``docker build`` (the build stage's apt and std layers cached, the compile and the final
  COPY layers rebuilt);
- ``imagekit build go --output docker-daemon:...`` (compiled, laid out, loaded into the
  same engine), and with ``--output oci:DIR`` (no engine).

Reported: median wall times, image sizes (uncompressed: docker's ``Size``; imagekit's own
total of the layer tars and docker's ``Size`` of the loaded image), the binary, the size of
the layers a release changed, and for ``--base scratch`` the image against the binary. With
``--roots`` (default on) the busybox, debian and runtime roots are each built twice with one
SOURCE_DATE_EPOCH: their sizes and whether the two digests are one.

Targets: imagekit at most half of docker build's time; uncompressed image at most binary +
2.5 MB on busybox, binary + 0.3 MB on scratch; debian root at most 80 MB, runtime at most
25 MB, each reproducible. Exit status: 0 targets met, 1 a target missed, 2 no engine/tool.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "go-service"
IMAGEKIT = str(Path(sys.executable).with_name("imagekit"))
DOCKER_TAG = "imagekit-bench/go-docker:latest"
IMAGEKIT_TAG = "imagekit-bench/go-imagekit:latest"
EPOCH = "1700000000"
MB = 1_000_000

DOCKERFILE = """\
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends golang-go ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
ENV CGO_ENABLED=0 GOPROXY=off GOFLAGS=-buildvcs=false
# the classic builder has no cache mounts: this layer is the warm Go cache of the build stage
RUN go build -trimpath std
WORKDIR /src
COPY go.mod main.go ./
RUN go build -trimpath -ldflags="-s -w -buildid=" -o /out/hello .

FROM busybox
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/hello /usr/local/bin/hello
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/hello"]
"""


def release(context: Path, n: int) -> None:
    """Change the service's source as a release does."""
    main = context / "main.go"
    text = (EXAMPLE / "main.go").read_text()
    main.write_text(text.replace('"hello from %s\\n"', f'"hello from %s (release {n})\\n"'))


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def docker_build(client: Any, context: Path) -> float:
    seconds, _ = timed(
        ["docker", "build", "-q", "--network", "host", "-t", DOCKER_TAG, str(context)],
        {**os.environ, "DOCKER_BUILDKIT": "0"},
    )
    return seconds


def imagekit_build(
    context: Path, env: dict[str, str], *outputs: str, base: str = "busybox"
) -> tuple[float, dict[str, Any]]:
    args = [IMAGEKIT, "build", "go", str(context), "--base", base, "--no-git", "--format", "json"]
    for output in outputs:
        args += ["--output", output]
    seconds, stdout = timed(args, env)
    return seconds, json.loads(stdout)


def layer_sizes(client: Any, tag: str) -> list[tuple[str, int]]:
    """(diff ID, bytes of the layer tar) of each layer, read through imagekit's engine source."""
    from imagekit.oci.engine import open_engine

    image = open_engine(tag, client=client)
    try:
        return [(str(layer.diff_id), layer.uncompressed_size or 0) for layer in image.layers]
    finally:
        image.close()


def changed(before: list[tuple[str, int]], after: list[tuple[str, int]]) -> int:
    old = {diff_id for diff_id, _ in before}
    return sum(size for diff_id, size in after if diff_id not in old)


def bench_go(client: Any, rounds: int, work: Path) -> dict[str, Any]:
    context = work / "context"
    shutil.copytree(EXAMPLE, context, ignore=shutil.ignore_patterns("Dockerfile", ".dockerignore"))
    (context / "Dockerfile").write_text(DOCKERFILE)
    env = {
        **os.environ,
        "IMAGEKIT_CACHE_DIR": str(work / "cache"),
        "SOURCE_DATE_EPOCH": EPOCH,
    }
    layout = work / "layout"
    print("warming: docker build (apt-get install golang-go, go build std) ...", file=sys.stderr)
    docker_build(client, context)
    imagekit_build(context, env, f"docker-daemon:{IMAGEKIT_TAG}")
    docker_layers = layer_sizes(client, DOCKER_TAG)
    imagekit_json: dict[str, Any] = {}
    times: dict[str, list[float]] = {"docker": [], "imagekit_engine": [], "imagekit_oci": []}
    release_docker = release_imagekit = release_compressed = 0
    for n in range(1, rounds + 1):
        release(context, n)
        times["docker"].append(docker_build(client, context))
        after = layer_sizes(client, DOCKER_TAG)
        release_docker = changed(docker_layers, after)
        docker_layers = after
        before = imagekit_json
        seconds, imagekit_json = imagekit_build(context, env, f"docker-daemon:{IMAGEKIT_TAG}")
        times["imagekit_engine"].append(seconds)
        seconds, _ = imagekit_build(context, env, f"oci:{layout}:r{n}")
        times["imagekit_oci"].append(seconds)
        if before:
            old = {layer["diff_id"] for layer in before["layers"]}
            release_imagekit = sum(
                layer["uncompressed_size"]
                for layer in imagekit_json["layers"]
                if layer["diff_id"] not in old
            )
            release_compressed = sum(
                layer["size"] for layer in imagekit_json["layers"] if layer["diff_id"] not in old
            )
    binary = imagekit_json["layers"][-1]["uncompressed_size"]
    _, scratch = imagekit_build(context, env, base="scratch")
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "rounds": rounds,
        "seconds": medians,
        "speedup_engine": medians["docker"] / medians["imagekit_engine"],
        "docker_image_size": client.images.get(DOCKER_TAG).attrs["Size"],
        "imagekit_image_size_engine": client.images.get(IMAGEKIT_TAG).attrs["Size"],
        "docker_uncompressed": sum(size for _, size in docker_layers),
        "imagekit_uncompressed": imagekit_json["uncompressed_size"],
        "imagekit_compressed": imagekit_json["size"],
        "binary_layer": binary,
        "release_layer_docker": release_docker,
        "release_layer_imagekit": release_imagekit,
        "release_layer_imagekit_compressed": release_compressed,
        "scratch_uncompressed": scratch["uncompressed_size"],
        "scratch_binary_layer": scratch["layers"][-1]["uncompressed_size"],
    }


def bench_roots(work: Path) -> dict[str, Any]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    found: dict[str, Any] = {}
    for name in ("busybox", "debian", "runtime"):
        runs = []
        for i in range(2):
            seconds, stdout = timed(
                [
                    IMAGEKIT,
                    "build",
                    "root",
                    name,
                    "--format",
                    "json",
                    "-o",
                    f"oci:{work}/roots-{i}:{name}",
                ],
                env,
            )
            runs.append((seconds, json.loads(stdout)))
        found[name] = {
            "seconds": min(s for s, _ in runs),
            "uncompressed_size": runs[0][1]["uncompressed_size"],
            "size": runs[0][1]["size"],
            "digest": runs[0][1]["digest"],
            "reproducible": runs[0][1]["digest"] == runs[1][1]["digest"],
        }
    return found


def verdicts(go: dict[str, Any], roots: dict[str, Any] | None) -> dict[str, bool]:
    checks = {
        "imagekit <= 1/2 docker build time": go["seconds"]["imagekit_engine"]
        <= go["seconds"]["docker"] / 2,
        "busybox image <= binary + 2.5 MB": go["imagekit_uncompressed"]
        <= go["binary_layer"] + 2.5 * MB,
        "scratch image <= binary + 0.3 MB": go["scratch_uncompressed"]
        <= go["scratch_binary_layer"] + 0.3 * MB,
    }
    if roots:
        checks["debian root <= 80 MB, reproducible"] = (
            roots["debian"]["uncompressed_size"] <= 80 * MB and roots["debian"]["reproducible"]
        )
        checks["runtime root <= 25 MB, reproducible"] = (
            roots["runtime"]["uncompressed_size"] <= 25 * MB and roots["runtime"]["reproducible"]
        )
        checks["busybox root reproducible"] = roots["busybox"]["reproducible"]
    return checks


def render(go: dict[str, Any], roots: dict[str, Any] | None, checks: dict[str, bool]) -> str:
    s = go["seconds"]
    lines = [
        f"Go service, {go['rounds']} releases, median wall time (warm Go cache for both):",
        f"  docker build (multi-stage, classic builder)      {s['docker']:7.2f} s",
        f"  imagekit build go --output docker-daemon:...     {s['imagekit_engine']:7.2f} s"
        f"   ({go['speedup_engine']:.1f}x faster)",
        f"  imagekit build go --output oci:DIR               {s['imagekit_oci']:7.2f} s",
        "Image sizes (uncompressed):",
        f"  docker build image (engine Size)                 {go['docker_image_size'] / MB:7.2f} MB",
        f"  docker build image (layer tars)                  {go['docker_uncompressed'] / MB:7.2f} MB",
        f"  imagekit image (engine Size)                     {go['imagekit_image_size_engine'] / MB:7.2f} MB",
        f"  imagekit image (layer tars)                      {go['imagekit_uncompressed'] / MB:7.2f} MB"
        f"   = binary layer {go['binary_layer'] / MB:.2f} MB + {(go['imagekit_uncompressed'] - go['binary_layer']) / MB:.2f} MB",
        f"  imagekit on scratch (layer tars)                 {go['scratch_uncompressed'] / MB:7.2f} MB"
        f"   = binary layer + {(go['scratch_uncompressed'] - go['scratch_binary_layer']) / MB:.3f} MB",
        "What a release changes:",
        f"  docker build: new layers                         {go['release_layer_docker'] / MB:7.2f} MB",
        f"  imagekit: new layers                             {go['release_layer_imagekit'] / MB:7.2f} MB",
    ]
    if roots:
        lines.append("Roots (built twice with SOURCE_DATE_EPOCH=" + EPOCH + "):")
        for name, r in roots.items():
            lines.append(
                f"  {name:8} {r['uncompressed_size'] / MB:7.2f} MB uncompressed, {r['size'] / MB:6.2f} MB"
                f" compressed, {r['seconds']:5.1f} s, same digest twice: {r['reproducible']}"
            )
    lines.append("Targets:")
    lines += [f"  [{'ok' if ok else 'MISSED'}] {name}" for name, ok in checks.items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="Releases timed (default 3).")
    parser.add_argument("--no-roots", action="store_true", help="Skip the roots.")
    parser.add_argument("--json", metavar="FILE", help="Also write the numbers as JSON.")
    options = parser.parse_args()
    if shutil.which("docker") is None or shutil.which("go") is None:
        print("needs the docker CLI and go (golang-go)", file=sys.stderr)
        return 2
    import docker

    sys.path.insert(0, str(ROOT))
    from tests.support.docker import ensure_base_images

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        print(f"no docker engine: {exc}", file=sys.stderr)
        return 2
    ensure_base_images(client)
    with tempfile.TemporaryDirectory(prefix="imagekit-bench-go-") as name:
        work = Path(name)
        go = bench_go(client, max(options.rounds, 2), work)
        roots = None if options.no_roots else bench_roots(work)
    checks = verdicts(go, roots)
    print(render(go, roots, checks))
    if options.json:
        Path(options.json).write_text(
            json.dumps({"go": go, "roots": roots, "targets": checks}, indent=2)
        )
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
