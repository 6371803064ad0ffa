"""Side-by-side benchmark of ``imagekit``'s image analyser against ``gzip -dc`` and ``tar -tvzf``.

One run builds a ~500 MB multi-layer image on the local docker engine (busybox plus layers of
generated files: tens of thousands of small files, medium and big ones, half random and half
repetitive content so gzip has real work, and a RUN that deletes some of them), saves it as a
``docker save`` archive and writes it as an OCI layout with gzip blobs. Then, over the same
layer blobs and interleaved so machine noise hits every contender:

- ``gzip -dc BLOB > /dev/null`` for every layer blob: the floor (every byte decompressed once);
- ``tar -tvzf BLOB > /dev/null`` for every layer blob;
- the analyser (``imagekit.analyze.analyze``) over the OCI layout (gzip blobs), and over the
  docker archive (uncompressed layers), each in a fresh process that reports its own time
  around ``analyze()`` and its peak RSS.

Wall-clock times are medians of ``--repeat`` rounds; peak RSS comes from ``wait4`` for the
command-line tools and from ``getrusage`` in the analyser's process. Target: the analyser
over the layout at most 1.5x the gzip floor.

Exit status: 0 target met, 1 target missed, 2 the engine or a tool is unavailable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5
TAG = "imagekit-bench/inspect:1"
DOCKERFILE = """\
FROM busybox
COPY small/ /data/small/
COPY medium/ /data/medium/
COPY big/ /data/big/
RUN rm -rf /data/medium/part0 /data/big/blob0 && echo done > /data/marker
"""
WORDS = b"layer image byte gzip tar header whiteout opaque digest manifest config ".split()


def content(rng: random.Random, size: int) -> bytes:
    """Half random bytes, half repetitive text: compressible, but not trivially."""
    half = size // 2
    text = b" ".join(rng.choice(WORDS) for _ in range(64)) + b"\n"
    repeated = (text * (half // len(text) + 1))[:half]
    return rng.randbytes(size - half) + repeated


def generate(context: Path, scale: float, seed: int) -> int:
    """Write the build context; the bytes of content written."""
    rng = random.Random(seed)
    total = 0
    plan = (
        ("small", int(40_000 * scale), 512, 8192, 200),
        ("medium", int(2_000 * scale), 32_768, 131_072, 100),
        ("big", max(1, int(5 * scale)), 30 << 20, 40 << 20, 1),
    )
    for group, count, low, high, per_dir in plan:
        for i in range(count):
            directory = context / group / f"part{i // per_dir}"
            if i % per_dir == 0:
                directory.mkdir(parents=True, exist_ok=True)
            size = rng.randint(low, high)
            name = f"blob{i}" if group == "big" else f"f{i:06d}.dat"
            (directory / name).write_bytes(content(rng, size))
            total += size
    (context / "Dockerfile").write_text(DOCKERFILE)
    return total


def docker_client() -> Any:
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as error:  # the SDK raises several kinds when no engine answers
        print(f"the docker engine does not answer ({error}); run `make services`", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        client.images.get("busybox:latest")
    except Exception:
        sys.path.insert(0, str(ROOT))
        from tests.support.docker import ensure_base_images

        ensure_base_images(client)
    return client


def prepare(work: Path, scale: float, seed: int) -> tuple[Path, Path, list[Path]]:
    """Build, save and lay out the image; (archive, layout, gzip layer blobs)."""
    from imagekit.oci.archive import open_archive
    from imagekit.oci.layout import open_layout, write_layout

    archive, layout = work / "image.tar", work / "layout"
    if not (archive.exists() and (layout / "index.json").exists()):
        context = work / "context"
        shutil.rmtree(context, ignore_errors=True)
        written = generate(context, scale, seed)
        print(f"generated {written / 1e6:.0f} MB of file content", file=sys.stderr)
        client = docker_client()
        client.images.build(path=str(context), tag=TAG, rm=True, network_mode="host")
        with open(archive, "wb") as out:
            for chunk in client.api.get_image(TAG, chunk_size=1 << 20):
                out.write(chunk)
        client.images.remove(TAG, force=True)
        shutil.rmtree(context)
        with open_archive(archive) as saved:
            write_layout(saved, layout, "bench")
    image = open_layout(layout, "bench")
    try:
        blobs = [
            layout / "blobs" / layer.descriptor.digest.algorithm / layer.descriptor.digest.hex
            for layer in image.layers
        ]
    finally:
        image.close()
    return archive, layout, blobs


def timed(argv: Sequence[str]) -> tuple[float, int]:
    """Run ``argv`` with stdout discarded; (seconds, peak RSS in KiB).

    The peak RSS a parent gets from ``wait4`` includes the memory of the (Python) process the
    child was forked from, so where GNU time is installed it measures the tool instead.
    """
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r") as report:
        command = [*argv] if gnu_time is None else [gnu_time, "-f", "%M", "-o", report.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited with {code}")
        text = report.read().strip()
    return elapsed, int(text.splitlines()[-1]) if gnu_time and text else usage.ru_maxrss


def over_blobs(tool: Sequence[str], blobs: Sequence[Path]) -> tuple[float, int]:
    seconds, rss = 0.0, 0
    for blob in blobs:
        t, r = timed([*tool, str(blob)])
        seconds += t
        rss = max(rss, r)
    return seconds, rss


def analyser(spec: str) -> tuple[float, int]:
    """The analyser in a fresh process: time around analyze(), peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"the analyser failed on {spec}:\n{out.stderr}")
    data = json.loads(out.stdout)
    return data["seconds"], data["rss"]


def child(spec: str) -> None:
    sys.path.insert(0, str(ROOT))
    from imagekit.analyze import analyze
    from imagekit.oci.transport import open_image

    image = open_image(spec)
    try:
        start = time.perf_counter()
        result = analyze(image)
        seconds = time.perf_counter() - start
    finally:
        image.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = {
        "seconds": seconds,
        "rss": rss,
        "files": len(result.files),
        "wasted_bytes": result.wasted_bytes,
        "uncompressed": result.total_uncompressed_size,
    }
    print(json.dumps(summary))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 makes about 500 MB")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the image files here")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    for tool in ("gzip", "tar"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    scratch = None
    if args.workdir is None:
        scratch = tempfile.mkdtemp(prefix="imagekit-bench-")
        work = Path(scratch)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    try:
        return run(work, args)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def run(work: Path, args: argparse.Namespace) -> int:
    archive, layout, blobs = prepare(work, args.scale, args.seed)
    compressed = sum(blob.stat().st_size for blob in blobs)
    contenders: dict[str, Callable[[], tuple[float, int]]] = {
        "gzip -dc (floor)": lambda: over_blobs(["gzip", "-dc"], blobs),
        "tar -tvzf": lambda: over_blobs(["tar", "-tvzf"], blobs),
        "imagekit, OCI layout (gzip)": lambda: analyser(f"oci:{layout}:bench"),
        "imagekit, docker-archive (tar)": lambda: analyser(f"docker-archive:{archive}"),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    rss: dict[str, int] = dict.fromkeys(contenders, 0)
    for _ in range(args.repeat):
        for name, measure in contenders.items():
            seconds, peak = measure()
            times[name].append(seconds)
            rss[name] = max(rss[name], peak)
    floor = statistics.median(times["gzip -dc (floor)"])
    rows = [
        (name, statistics.median(values), statistics.median(values) / floor, rss[name])
        for name, values in times.items()
    ]
    ratio = rows[2][2]
    uncompressed = archive.stat().st_size
    header = (
        f"image: {len(blobs)} layers, {compressed / 1e6:.0f} MB gzip, "
        f"~{uncompressed / 1e6:.0f} MB uncompressed; median of {args.repeat} rounds; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    if args.markdown:
        print(header + "\n")
        print("| contender | seconds | x gzip -dc | peak RSS (MiB) |")
        print("| --- | ---: | ---: | ---: |")
        for name, seconds, factor, peak in rows:
            print(f"| {name} | {seconds:.2f} | {factor:.2f} | {peak / 1024:.0f} |")
    else:
        print(header)
        for name, seconds, factor, peak in rows:
            print(f"{name:34} {seconds:7.2f} s  {factor:5.2f}x  {peak / 1024:6.0f} MiB")
    met = ratio <= TARGET
    print(
        f"target: analyser over the OCI layout <= {TARGET}x gzip -dc: "
        f"{ratio:.2f}x, {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
