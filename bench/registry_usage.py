"""Benchmark of ``imagekit registry usage`` on a generated registry: first and second run.

A fresh embedded registry (``imagekit registry up`` in a temporary data directory, its
own port) is filled with REPOSITORIES x TAGS images that share a few bases: each base is
two gzip layers; each image is one base, an app layer of its own, its own config and
manifest. Blobs go in through the registry API (bases uploaded once, mounted into each
repository), eight requests at a time.

Then ``imagekit registry usage ADDRESS --format json`` runs as a user would run it (a new
process, a cache directory of its own):

1. **first run**, cold cache: catalog, tag lists, a HEAD per tag, every manifest and
   config fetched (and cached);
2. **second run** over the unchanged registry (median of ROUNDS): catalog, tag lists and
   HEADs only, manifests and configs from the cache.

Beside them, what the second run's requests cost by kind: the tag lists alone, and the
HEADs alone, each timed with the same number of workers. The total the accounting reports
is checked against the blob data files in the bucket (a fresh registry has no untagged
leftovers, so they must be equal to the byte).

Measured (2 CPUs shared with other work, load average 7-10; 200 x 20 over 3 bases, 12,006
blobs, 25.1 MB, equal to the bucket's blob bytes): first run 72.7 s (4,000 GETs by tag and
4,000 configs; 133 s before tags never seen were read with one GET instead of a HEAD and a
GET), second run 25.2 s median of 21.9/32.3/25.2 s (200 tag lists and 4,000 HEADs, nothing
else). Alone, the 200 tag lists take 0.43 s and the 4,000 HEADs 18.6 s: a second run's time
is the HEADs', which stay because a tag is the one thing that may have moved.

Exit status: 0 measured and the total matched, 1 the total did not match, 2 the registry
could not be started (docker-registry or weed missing).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imagekit.errors import ImagekitError  # noqa: E402
from imagekit.oci import mediatype  # noqa: E402
from imagekit.oci.digest import Digest  # noqa: E402
from imagekit.registry.client import RegistryClient  # noqa: E402
from imagekit.registry.upload import BlobToSend, send_blob  # noqa: E402
from imagekit.services import Settings, down, up  # noqa: E402
from imagekit.services.maintenance import stored_blobs  # noqa: E402
from imagekit.services.network import pick_ports  # noqa: E402
from tests.support.images import MemoryLayer, file, tar  # noqa: E402

T = TypeVar("T")
IMAGEKIT = ROOT / ".venv" / "bin" / "imagekit"


def parallel(workers: int, function: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


def gzip_layer(size: int, seed: str) -> MemoryLayer:
    return MemoryLayer(tar(file(f"{seed}.bin", os.urandom(size))))


class Filler:
    """Pushes the generated images through the registry API."""

    def __init__(self, client: RegistryClient, base_sizes: tuple[int, int], bases: int) -> None:
        self.client = client
        self.bases = [
            [gzip_layer(base_sizes[0], f"base{i}a"), gzip_layer(base_sizes[1], f"base{i}b")]
            for i in range(bases)
        ]
        self.seed = ""
        self.sent_bytes = 0

    def blob(
        self, repository: str, data: bytes, candidates: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        digest = Digest.of_bytes(data)
        sent = send_blob(
            self.client,
            repository,
            digest,
            len(data),
            lambda: BlobToSend(digest, len(data), "", lambda: io.BytesIO(data)),
            candidates=candidates,
        )
        self.sent_bytes += sent.sent_bytes
        return {"digest": str(digest), "size": len(data)}

    def image(self, job: tuple[str, int, int]) -> int:
        repository, index, base_index = job
        base = self.bases[base_index]
        layers = [
            {
                "mediaType": mediatype.OCI_LAYER_GZIP,
                **self.blob(repository, layer.blob, (self.seed,)),
            }
            for layer in base
        ]
        app = gzip_layer(2_000 + 97 * index, f"{repository}-{index}")
        layers.append({"mediaType": mediatype.OCI_LAYER_GZIP, **self.blob(repository, app.blob)})
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_000 + 86400 * index))
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "created": created,
                "rootfs": {"type": "layers", "diff_ids": [str(x.diff_id) for x in [*base, app]]},
                "history": [{"created": created, "created_by": f"layer {i}"} for i in range(3)],
            }
        ).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": mediatype.OCI_MANIFEST,
            "config": {"mediaType": mediatype.OCI_CONFIG, **self.blob(repository, config)},
            "layers": layers,
        }
        raw = json.dumps(manifest).encode()
        self.client.put_manifest(repository, f"v{index}", raw, mediatype.OCI_MANIFEST)
        return len(raw)

    def fill(self, repositories: int, tags: int, workers: int) -> None:
        names = [f"bench/app{r:03d}" for r in range(repositories)]
        self.seed = names[0]
        for base in self.bases:  # the bases once, into the first repository
            for layer in base:
                self.blob(self.seed, layer.blob)
        jobs = [(name, t, r % len(self.bases)) for r, name in enumerate(names) for t in range(tags)]
        parallel(workers, self.image, jobs)


def usage_run(address: str, cache: Path, workers: int) -> tuple[float, dict[str, Any], str]:
    """One ``imagekit registry usage`` process: wall seconds, its JSON, its stderr line."""
    env = {
        **os.environ,
        "IMAGEKIT_CACHE_DIR": str(cache),
        "IMAGEKIT_REGISTRY_DIR": str(cache / "none"),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(IMAGEKIT),
            "registry",
            "usage",
            address,
            "--format",
            "json",
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"imagekit registry usage failed: {done.stderr.strip()}")
    return seconds, json.loads(done.stdout), done.stderr.strip().splitlines()[0]


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repositories", type=int, default=200)
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--bases", type=int, default=3)
    parser.add_argument("--base-sizes", default="2000000,500000", help="bytes of each base layer")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--fill-workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="second runs (the median is shown)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the registry's data directory")
    args = parser.parse_args(argv)
    sizes = tuple(int(x) for x in args.base_sizes.split(","))

    work = Path(tempfile.mkdtemp(prefix="imagekit-bench-usage-"))
    port = pick_ports("127.0.0.1", 1)[0]
    try:
        registry = up(
            Settings(data_dir=work / "registry", port=port, path=os.environ.get("PATH", ""))
        )
    except ImagekitError as exc:
        print(f"cannot start the registry: {exc.format()}", file=sys.stderr)
        return 2
    try:
        client = RegistryClient(registry.address)
        filler = Filler(client, (sizes[0], sizes[1]), args.bases)
        fill_seconds = timed(lambda: filler.fill(args.repositories, args.tags, args.fill_workers))
        first_seconds, first, first_line = usage_run(registry.address, work / "cache", args.workers)
        seconds = []
        for _ in range(args.rounds):
            elapsed, second, second_line = usage_run(registry.address, work / "cache", args.workers)
            seconds.append(elapsed)
        names = client.repositories()
        tag_lists = parallel(args.workers, lambda n: (n, client.tags(n)), names)
        lists_seconds = timed(lambda: parallel(args.workers, client.tags, names))
        pairs = [(n, t) for n, tags in tag_lists for t in tags]
        heads_seconds = timed(
            lambda: parallel(args.workers, lambda p: client.head_manifest(*p), pairs)
        )
        stored = stored_blobs(registry.s3_client(), registry.bucket, registry.root_directory)
    finally:
        down(registry.data_dir)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    matched = first["total_bytes"] == stored.total == second["total_bytes"]
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "repositories": first["repository_count"],
        "tags": first["tag_count"],
        "blobs": first["blob_count"],
        "total_bytes": first["total_bytes"],
        "bucket_blob_bytes": stored.total,
        "total_matches_bucket": matched,
        "workers": args.workers,
        "fill_seconds": round(fill_seconds, 2),
        "first_run_seconds": round(first_seconds, 2),
        "first_run": first_line,
        "second_run_seconds_median": round(statistics.median(seconds), 2),
        "second_run_seconds": [round(s, 2) for s in seconds],
        "second_run": second_line,
        "tag_lists_alone_seconds": round(lists_seconds, 2),
        "heads_alone_seconds": round(heads_seconds, 2),
        "heads": len(pairs),
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:28} {value}")
    return 0 if matched else 1


if __name__ == "__main__":
    sys.exit(main())
