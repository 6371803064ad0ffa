"""Side-by-side benchmark of ``imagekit push`` against ``skopeo copy`` and ``docker push``.

Each round builds a fresh ~200 MB multi-layer image on the local engine (busybox plus
layers of random bytes, base64 text and number sequences, so gzip has real work) and
copies it into an OCI layout with gzip blobs (``skopeo copy docker-daemon: oci:``). Then,
against the registry (the embedded S3-backed one that ``make services`` starts), through
a byte-counting TCP proxy so every tool's upload is measured the same way:

1. **cold push** of the image into a repository of each tool's own: ``imagekit push
   oci:DIR``, ``skopeo copy oci:DIR`` (the same layout, the same blobs) and ``docker
   push`` (from the engine: it compresses as it goes);
2. **re-push** of the unchanged image to the same tag (target: 0 blob bytes sent);
3. **new app layer** over that image, pushed to another repository: only the app layer
   should be sent, the rest mounted from the first repository.

The order of the tools rotates between rounds. Every round is new content, so no tool
can mount what another tool pushed, and each tool's own caches (imagekit's push cache,
skopeo's blob-info cache) start empty each round. Wall-clock medians over the rounds;
bytes are what the clients sent to the registry (request heads and bodies).

Target: imagekit's cold push no slower than skopeo's; re-push 0 blob bytes; the app
layer push sends about the app layer only.

Exit status: 0 targets met, 1 a target missed, 2 the engine, registry or a tool is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.proxy import FaultProxy  # noqa: E402

TOOLS = ("imagekit", "skopeo", "docker")
#: skopeo remembers where it pushed blobs (and mounts from there); one of these, by version
SKOPEO_CACHES = tuple(
    Path("/var/lib/containers/cache") / name
    for name in ("blob-info-cache-v1.boltdb", "blob-info-cache-v1.sqlite")
)
MB = 1_000_000

DOCKERFILE = """\
FROM busybox:latest
ARG ROUND
RUN head -c {random} /dev/urandom > /random.bin
RUN head -c {text} /dev/urandom | base64 > /text.b64
RUN seq {seq_start} {seq_end} > /numbers.txt
RUN echo "round $ROUND" > /round && head -c {small} /dev/urandom > /small.bin
"""

APP_DOCKERFILE = """\
FROM {base}
RUN head -c {app} /dev/urandom > /app.bin
"""


def docker_cli() -> str:
    """Debian's docker CLI (it matches the engine); another one on PATH otherwise."""
    for candidate in ("/usr/bin/docker", shutil.which("docker") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("bench: no docker CLI found")


def build(client: Any, directory: Path, dockerfile: str, tag: str, args: dict[str, str]) -> None:
    (directory / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    client.images.build(
        path=str(directory),
        tag=tag,
        buildargs=args,
        nocache=True,
        rm=True,
        forcerm=True,
        network_mode="host",
    )


def timed(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return elapsed


class Round:
    """One round: a fresh image, its layout, and the three tools' pushes."""

    def __init__(self, args: argparse.Namespace, proxy: FaultProxy, number: int, work: Path):
        self.args = args
        self.proxy = proxy
        self.number = number
        self.work = work
        self.tag = f"imagekit-bench/push:{number}"
        self.app_tag = f"imagekit-bench/push-app:{number}"
        self.layout = work / "layout"
        self.app_layout = work / "app-layout"
        self.cache = work / "imagekit-cache"
        self.env = {**os.environ, "IMAGEKIT_CACHE_DIR": str(self.cache), "CI": "1"}
        self.stamp = f"{int(time.time())}{number}"

    def repository(self, tool: str, kind: str) -> str:
        return f"{self.proxy.address}/bench-{tool}-{self.stamp}/{kind}"

    def prepare(self, client: Any) -> None:
        s = self.args.scale
        context = self.work / "context"
        context.mkdir()
        sizes = {
            "random": int(60 * MB * s),
            "text": int(45 * MB * s),
            "seq_start": 1,
            "seq_end": int(5_500_000 * s),
            "small": int(2 * MB * s),
        }
        build(client, context, DOCKERFILE.format(**sizes), self.tag, {"ROUND": self.stamp})
        app = self.work / "app"
        app.mkdir()
        build(
            client, app, APP_DOCKERFILE.format(base=self.tag, app=int(5 * MB * s)), self.app_tag, {}
        )
        for tag, layout in ((self.tag, self.layout), (self.app_tag, self.app_layout)):
            timed(["skopeo", "copy", "--quiet", f"docker-daemon:{tag}", f"oci:{layout}:bench"])
        for cache in SKOPEO_CACHES:
            cache.unlink(missing_ok=True)

    def push(self, tool: str, layout: Path, engine_tag: str, destination: str) -> float:
        if tool == "imagekit":
            argv = [str(ROOT / ".venv/bin/imagekit"), "push", f"oci:{layout}:bench", destination]
            return timed(argv, self.env)
        if tool == "skopeo":
            argv = ["skopeo", "copy", "--quiet", "--dest-tls-verify=false"]
            return timed([*argv, f"oci:{layout}:bench", f"docker://{destination}"])
        docker = docker_cli()
        subprocess.run([docker, "tag", engine_tag, destination], check=True)
        try:
            return timed([docker, "push", "--quiet", destination])
        finally:
            subprocess.run([docker, "rmi", destination], capture_output=True, check=False)

    def measure(self, tool: str, step: Callable[[], float]) -> dict[str, float]:
        self.proxy.reset()
        seconds = step()
        stats = self.proxy.reset()
        return {"seconds": seconds, "bytes_sent": stats.sent_up}

    def run(self, order: Sequence[str]) -> dict[str, dict[str, dict[str, float]]]:
        results: dict[str, dict[str, dict[str, float]]] = {tool: {} for tool in order}
        for tool in order:
            first = self.repository(tool, "app") + ":1"
            results[tool]["cold"] = self.measure(
                tool, lambda t=tool, d=first: self.push(t, self.layout, self.tag, d)
            )
            results[tool]["repush"] = self.measure(
                tool, lambda t=tool, d=first: self.push(t, self.layout, self.tag, d)
            )
            other = self.repository(tool, "app2") + ":1"
            results[tool]["app_layer"] = self.measure(
                tool,
                lambda t=tool, d=other: self.push(t, self.app_layout, self.app_tag, d),
            )
        return results

    def cleanup(self, client: Any) -> None:
        for tag in (self.app_tag, self.tag):
            with contextlib.suppress(Exception):  # best effort: the image may be gone already
                client.images.remove(tag, force=True)


def layer_sizes(layout: Path) -> tuple[int, int]:
    """(total compressed size of the layout's image, size of its last layer)."""
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.loads((layout / "blobs" / "sha256" / digest).read_text())
    sizes = [layer["size"] for layer in manifest["layers"]]
    return sum(sizes) + manifest["config"]["size"], sizes[-1]


def summarise(rounds: list[dict[str, dict[str, dict[str, float]]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for tool in TOOLS:
        summary[tool] = {}
        for step in ("cold", "repush", "app_layer"):
            seconds = [r[tool][step]["seconds"] for r in rounds]
            sent = [r[tool][step]["bytes_sent"] for r in rounds]
            summary[tool][step] = {
                "seconds": statistics.median(seconds),
                "bytes_sent": statistics.median(sent),
            }
    return summary


def markdown(summary: dict[str, Any], image_size: int, app_size: int, rounds: int) -> str:
    lines = [
        f"Image: {image_size / MB:.1f} MB compressed (gzip), app layer {app_size / MB:.2f} MB; "
        f"median of {rounds} rounds.",
        "",
        "| step | tool | seconds | MB sent |",
        "|---|---|--:|--:|",
    ]
    names = {"cold": "cold push", "repush": "re-push, unchanged", "app_layer": "new app layer"}
    for step, name in names.items():
        for tool in TOOLS:
            cell = summary[tool][step]
            lines.append(
                f"| {name} | {tool} | {cell['seconds']:.2f} | {cell['bytes_sent'] / MB:.2f} |"
            )
    return "\n".join(lines)


def verdict(summary: dict[str, Any], app_size: int) -> list[str]:
    missed = []
    ik, sk = summary["imagekit"], summary["skopeo"]
    if ik["cold"]["seconds"] > sk["cold"]["seconds"]:
        missed.append(
            f"cold push: imagekit {ik['cold']['seconds']:.2f} s > skopeo {sk['cold']['seconds']:.2f} s"
        )
    # request heads and manifests are sent even when no blob is: allow 64 kB of them
    if ik["repush"]["bytes_sent"] > 64_000:
        missed.append(f"re-push sent {ik['repush']['bytes_sent']} bytes")
    if ik["app_layer"]["bytes_sent"] > app_size + 64_000:
        missed.append(
            f"app-layer push sent {ik['app_layer']['bytes_sent']} bytes for a {app_size}-byte layer"
        )
    return missed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--registry",
        default=os.environ.get("IMAGEKIT_REGISTRY_ADDR", "127.0.0.1:5555"),
        help="HOST:PORT of the registry (plain HTTP)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 makes about 200 MB")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    for tool in ("skopeo",):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed (make services installs it)", file=sys.stderr)
            return 2
    try:
        with urllib.request.urlopen(f"http://{args.registry}/v2/", timeout=5):
            pass
    except OSError as exc:
        print(f"bench: the registry at {args.registry} does not answer ({exc})", file=sys.stderr)
        return 2
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        print(f"bench: the docker engine does not answer ({exc})", file=sys.stderr)
        return 2

    results = []
    sizes = (0, 0)
    with FaultProxy(args.registry) as proxy, tempfile.TemporaryDirectory(prefix="ik-bench-") as tmp:
        for number in range(args.rounds):
            work = Path(tmp) / f"round{number}"
            work.mkdir()
            bench_round = Round(args, proxy, number, work)
            bench_round.prepare(client)
            try:
                order = TOOLS[number % 3 :] + TOOLS[: number % 3]
                results.append(bench_round.run(order))
                sizes = layer_sizes(bench_round.layout)
                _, app_size = layer_sizes(bench_round.app_layout)
                sizes = (sizes[0], app_size)
            finally:
                bench_round.cleanup(client)
                shutil.rmtree(work, ignore_errors=True)
    summary = summarise(results)
    missed = verdict(summary, sizes[1])
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "image_size": sizes[0],
        "app_layer_size": sizes[1],
        "rounds": results,
        "summary": summary,
        "missed": missed,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.markdown:
        print(markdown(summary, sizes[0], sizes[1], args.rounds))
    else:
        print(json.dumps(summary, indent=2))
    for line in missed:
        print(f"bench: target missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
