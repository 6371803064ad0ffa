"""Side-by-side benchmark: ``imagekit build go`` against ``docker build`` of the equivalent
multi-stage Dockerfile, on the same engine, in one run; and the roots' sizes and digests.

The service is examples/go-service. docker builds it with a golang-go build stage on the
Debian root (debian:bookworm-slim, as .ci/services makes it) and a busybox final stage; the
classic builder has no cache mounts, so a layer that runs ``go build -trimpath std`` warms
the Go cache inside the build stage (both sides then compile with a warm cache). After one
untimed build each, every round makes a release (main.go changed, with a token of this run
so that no release is in the engine's layer cache or the Go cache from an earlier run) and
times, each on a release of its own:

- ``docker build -q`` (the build stage's apt and std layers cached, the compile and the
  final COPY layers rebuilt) until it returns: the image is then tagged in the engine.
  This is the engine's ``docker build`` as it runs by default here (Docker 20.10: the
  classic builder), and the target's peer;
- the same with BuildKit (``DOCKER_BUILDKIT=1`` through Debian's docker CLI, the default
  builder from Docker 23 on), its Go cache warm in a cache mount: a row of its own;
- ``imagekit build go --output docker-daemon:...`` until it returns: compiled, laid out and
  loaded into the same engine under one tag, release after release, as docker build does;
- extra rows, as ko is used: ``--output oci:DIR`` (no engine) and ``--push HOST/REPO:TAG``
  to the registry of ``--registry`` (skipped when it does not answer).

imagekit runs as installed (its bytecode compiled first, as pip does). Reported: median
wall times (and every time in ``--json``), the load average, image sizes (uncompressed:
docker's ``Size``; imagekit's own total of the layer tars and docker's ``Size`` of the
loaded image), the binary, the size of the layers a release changed, for ``--base
scratch`` the image against the binary, and the app layer gzipped at levels 1, 6 and 9.
With ``--roots`` (default on) the busybox, debian and runtime roots are each built twice
with one SOURCE_DATE_EPOCH: their sizes and whether the two digests are one.

At the end the untagged images the run left are removed (the releases it replaced under its
tags, the classic builder's step images), the cached build steps kept.

Targets: imagekit at most half of docker build's time; uncompressed image at most binary +
2.5 MB on busybox, binary + 0.3 MB on scratch; debian root at most 80 MB, runtime at most
25 MB, each reproducible. Exit status: 0 targets met, 1 a target missed, 2 no engine/tool.
"""

from __future__ import annotations

import argparse
import compileall
import io
import json
import os
import secrets
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
PUSH_REPOSITORY = "imagekit-bench/go"
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


#: The same build for BuildKit: the Go cache in a cache mount instead of a layer.
BUILDKIT_DOCKERFILE = DOCKERFILE.replace(
    """# the classic builder has no cache mounts: this layer is the warm Go cache of the build stage
RUN go build -trimpath std
""",
    "",
).replace(
    'RUN go build -trimpath -ldflags="-s -w -buildid=" -o /out/hello .',
    "RUN --mount=type=cache,target=/root/.cache/go-build \\\n"
    '    go build -trimpath -ldflags="-s -w -buildid=" -o /out/hello .',
)
BUILDKIT_TAG = "imagekit-bench/go-buildkit:latest"
#: Debian's docker CLI, which builds with BuildKit itself (a newer client on PATH may lack
#: buildx).
BUILDKIT_CLI = "/usr/bin/docker"

#: Part of every release's source: a release of one run is new to the engine's layer cache
#: and to the Go cache, even when an earlier run built releases 1, 2, 3 (a cached COPY would
#: turn docker build into a few cache lookups, which no release is).
RUN_TOKEN = secrets.token_hex(6)


def release(context: Path, n: int | str) -> None:
    """Change the service's source as a release does."""
    main = context / "main.go"
    text = (EXAMPLE / "main.go").read_text()
    changed = f'"hello from %s (release {RUN_TOKEN}-{n})\\n"'
    main.write_text(text.replace('"hello from %s\\n"', changed))


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


def buildkit_build(context: Path) -> float:
    seconds, _ = timed(
        [
            BUILDKIT_CLI,
            "build",
            "-q",
            "--network",
            "host",
            "-f",
            str(context / "Dockerfile.buildkit"),
            "-t",
            BUILDKIT_TAG,
            str(context),
        ],
        {**os.environ, "DOCKER_BUILDKIT": "1"},
    )
    return seconds


def imagekit_build(
    context: Path, env: dict[str, str], *outputs: str, base: str = "busybox", push: str = ""
) -> tuple[float, dict[str, Any]]:
    args = [IMAGEKIT, "build", "go", str(context), "--base", base, "--no-git", "--format", "json"]
    for output in outputs:
        args += ["--output", output]
    if push:
        args += ["--push", push]
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


def image_ids(client: Any, *, dangling: bool = False) -> set[str]:
    """The IDs of the engine's images: all of them (step images too), or with ``dangling``
    only those no tag and no other image refers to."""
    query: dict[str, Any] = {"filters": {"dangling": True}} if dangling else {"all": True}
    return {str(found) for found in client.api.images(quiet=True, **query)}


def tagged(client: Any) -> set[str]:
    """The images under the benchmark's own tags."""
    import docker

    found = set()
    for tag in (DOCKER_TAG, BUILDKIT_TAG, IMAGEKIT_TAG):
        try:
            found.add(str(client.images.get(tag).id))
        except docker.errors.ImageNotFound:
            continue
    return found


def remove_left_behind(client: Any, replaced: set[str], keep: set[str]) -> None:
    """Remove the untagged images a run leaves: the images its builds replaced under the
    benchmark's tags (``replaced``, with the step images only they used) and the classic
    builder's step images of each release. Images in ``keep`` (the engine's images after
    the warm-up, its cached apt and Go cache steps among them, and whatever was dangling
    before the run) stay. The engine then holds as many images after a run as before: the
    classic builder, which searches all of them for a cached step, is not slowed by
    earlier runs."""
    import docker

    def remove(found: str, prune: bool) -> None:
        try:
            client.images.remove(found, force=False, noprune=not prune)
        except docker.errors.APIError:  # gone already, or a container uses it: kept
            keep.add(found)

    for found in replaced & image_ids(client, dangling=True):
        remove(found, prune=True)
    for _ in range(10):  # a removed step image can leave its parent dangling
        left = image_ids(client, dangling=True) - keep
        if not left:
            return
        for found in left:
            remove(found, prune=False)


def registry_up(address: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=5):
            return True
    except OSError:
        return False


def pushed(
    context: Path, env: dict[str, str], registry: str, tag: str, times: dict[str, list[float]]
) -> str | None:
    """Time one build pushed to ``registry``; None (and no push row) when the push fails:
    the registry is a shared service that other test runs restart."""
    try:
        seconds, _ = imagekit_build(context, env, push=f"{registry}/{PUSH_REPOSITORY}:{tag}")
    except SystemExit as exc:
        print(f"the push to {registry} failed, no --push row: {exc}", file=sys.stderr)
        times.pop("imagekit_push", None)
        return None
    if tag != "warm":
        times["imagekit_push"].append(seconds)
    return registry


def bench_go(client: Any, rounds: int, work: Path, registry: str | None) -> dict[str, Any]:
    context = work / "context"
    shutil.copytree(EXAMPLE, context, ignore=shutil.ignore_patterns("Dockerfile", ".dockerignore"))
    (context / "Dockerfile").write_text(DOCKERFILE)
    buildkit = os.path.exists(BUILDKIT_CLI)
    if buildkit:
        (context / "Dockerfile.buildkit").write_text(BUILDKIT_DOCKERFILE)
    env = {
        **os.environ,
        "IMAGEKIT_CACHE_DIR": str(work / "cache"),
        "SOURCE_DATE_EPOCH": EPOCH,
    }
    layout = work / "layout"
    dangling_before = image_ids(client, dangling=True)
    replaced = tagged(client)  # what an earlier run left under the benchmark's tags
    print("warming: docker build (apt-get install golang-go, go build std) ...", file=sys.stderr)
    docker_build(client, context)
    if buildkit:
        print("warming: docker build with BuildKit ...", file=sys.stderr)
        buildkit_build(context)
    imagekit_build(context, env, f"docker-daemon:{IMAGEKIT_TAG}")
    replaced |= tagged(client)
    keep = (image_ids(client) - replaced) | dangling_before
    load_at_start = os.getloadavg()[0]
    # the classic builder looks for a cached step among all the engine's images: measured
    # here, 2.1 s a release with 780 images in the engine, 1.3 s with 58-230, 0.8 s with 29
    images_at_start = len(image_ids(client))
    docker_layers = layer_sizes(client, DOCKER_TAG)
    imagekit_json: dict[str, Any] = {}
    times: dict[str, list[float]] = {"docker": [], "imagekit_engine": [], "imagekit_oci": []}
    if buildkit:
        times["buildkit"] = []
    if registry:
        times["imagekit_push"] = []
        # the first push uploads the base and support layers; a release then sends its own
        registry = pushed(context, env, registry, "warm", times)
    release_docker = release_imagekit = release_compressed = 0
    for n in range(1, rounds + 1):
        release(context, n)
        times["docker"].append(docker_build(client, context))
        after = layer_sizes(client, DOCKER_TAG)
        release_docker = changed(docker_layers, after)
        docker_layers = after
        if buildkit:
            times["buildkit"].append(buildkit_build(context))
        before = imagekit_json
        seconds, imagekit_json = imagekit_build(context, env, f"docker-daemon:{IMAGEKIT_TAG}")
        times["imagekit_engine"].append(seconds)
        release(context, f"{n}-oci")  # a release of its own: its compile is not cached
        seconds, _ = imagekit_build(context, env, f"oci:{layout}:r{n}")
        times["imagekit_oci"].append(seconds)
        if registry:
            release(context, f"{n}-push")
            registry = pushed(context, env, registry, f"r{n}", times)
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
    levels = gzip_levels(layout, f"r{rounds}")
    docker_image_size = client.images.get(DOCKER_TAG).attrs["Size"]
    imagekit_image_size = client.images.get(IMAGEKIT_TAG).attrs["Size"]
    remove_left_behind(client, replaced - tagged(client), keep)
    images_at_end = len(image_ids(client))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "rounds": rounds,
        "load": (load_at_start, os.getloadavg()[0]),
        "engine_images": images_at_start,
        "engine_images_at_end": images_at_end,
        "seconds": medians,
        "times": times,
        "speedup_engine": medians["docker"] / medians["imagekit_engine"],
        "docker_image_size": docker_image_size,
        "imagekit_image_size_engine": imagekit_image_size,
        "docker_uncompressed": sum(size for _, size in docker_layers),
        "imagekit_uncompressed": imagekit_json["uncompressed_size"],
        "imagekit_compressed": imagekit_json["size"],
        "binary_layer": binary,
        "release_layer_docker": release_docker,
        "release_layer_imagekit": release_imagekit,
        "release_layer_imagekit_compressed": release_compressed,
        "scratch_uncompressed": scratch["uncompressed_size"],
        "scratch_binary_layer": scratch["layers"][-1]["uncompressed_size"],
        "app_layer_gzip": levels,
    }


def gzip_levels(layout: Path, tag: str) -> dict[str, dict[str, float]]:
    """The app layer's tar gzipped at levels 1, 6 and 9 by imagekit's compressor: bytes and
    the median of three times each (what choosing the app layer's level weighs)."""
    from imagekit.oci.compress import compress
    from imagekit.oci.layout import open_layout

    with open_layout(layout, tag) as image, image.layers[-1].open() as stream:
        tar = stream.read()
    found: dict[str, dict[str, float]] = {}
    for level in (1, 6, 9):
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            result = compress(io.BytesIO(tar), None, "gzip", level)
            seconds.append(time.perf_counter() - started)
        found[str(level)] = {"bytes": result.size, "seconds": statistics.median(seconds)}
    return found


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
        *(
            [
                f"  docker build (BuildKit, Go cache mount)          {s['buildkit']:7.2f} s"
                f"   (imagekit to the engine: {s['imagekit_engine'] / s['buildkit']:.2f}x its time)"
            ]
            if "buildkit" in s
            else []
        ),
        f"  imagekit build go --output oci:DIR               {s['imagekit_oci']:7.2f} s",
        *(
            [f"  imagekit build go --push HOST/REPO:TAG           {s['imagekit_push']:7.2f} s"]
            if "imagekit_push" in s
            else []
        ),
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
    lines.append(f"App layer ({go['binary_layer'] / MB:.2f} MB tar) gzipped by imagekit:")
    for level, found in go["app_layer_gzip"].items():
        lines.append(
            f"  level {level}   {found['bytes'] / MB:7.3f} MB  {found['seconds'] * 1000:6.0f} ms"
        )
    lines.append(f"Load average at the start and the end: {go['load'][0]:.1f}, {go['load'][1]:.1f}")
    lines.append(
        f"Images in the engine at the start: {go['engine_images']}"
        f" (at the end, what the run left removed: {go['engine_images_at_end']})"
    )
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
    parser.add_argument(
        "--registry",
        default=os.environ.get("IMAGEKIT_REGISTRY_ADDR", "127.0.0.1:5555"),
        help="HOST:PORT of a registry for the --push row (skipped when it does not answer).",
    )
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
    # imagekit as installed: pip compiles its bytecode at install time, while a checkout
    # run with PYTHONDONTWRITEBYTECODE=1 would compile every module on every start
    compileall.compile_dir(str(ROOT / "imagekit"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="imagekit-bench-go-") as name:
        work = Path(name)
        registry = options.registry if registry_up(options.registry) else None
        if registry is None:
            print(f"no registry at {options.registry}: no --push row", file=sys.stderr)
        go = bench_go(client, max(options.rounds, 2), work, registry)
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
