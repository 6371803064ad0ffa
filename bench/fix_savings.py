"""What each rule's fix saves on the examples, measured by ``imagekit lint --diff --measure``.

For every ``examples/*/Dockerfile*`` that has a fix, the example is copied to a temporary
directory and measured there (``--unsafe-fixes``: every fix that edits text): built as it
is, as fixed, and once per fixed rule, on the local engine (``make services``). The bytes
each rule's fix saved, compressed as a push sends them and uncompressed, go to
``rules/data/measured-savings.toml``, which the README's rule table reads (``make readme``).

Docker Hub is out of reach here, so an example whose base the engine lacks is built on a
stand-in made from the local ``debian:bookworm-slim`` (the official image's package
manager and language runtime from Debian: ``python:3.12`` becomes Debian's python3 with
pip, ``node:20`` Debian's nodejs with npm; both trust this machine's CA bundle, as pip
and npm on the machine do). The stand-in is named in the data file; the
instructions measured are the example's own. An example whose build fails on this machine
(it fetches from a host out of reach) is listed with the reason and not measured.

Usage: ``.venv/bin/python bench/fix_savings.py [--output FILE] [--json FILE]``.
Exit status: 0 measured, 2 the engine is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMAGEKIT = [sys.executable, "-m", "imagekit"]
OUTPUT = ROOT / "rules" / "data" / "measured-savings.toml"
MEASURE = ("lint", "--isolated", "--diff", "--measure", "--unsafe-fixes", "--format", "json")

#: This machine's CA bundle, which the stand-ins trust as the machine does (package
#: registries may be reached through a proxy whose CA only the machine's bundle has).
MACHINE_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
#: Stand-ins for Docker Hub images the engine cannot pull: (local tag, Dockerfile).
STAND_INS = {
    "python:3.12": (
        "imagekit-bench/python:3.12-standin",
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends python3 "
        "python3-pip ca-certificates && rm -rf /var/lib/apt/lists/*\n"
        "RUN ln -s /usr/bin/python3 /usr/local/bin/python\n"
        "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"
        "ENV PIP_BREAK_SYSTEM_PACKAGES=1\n",
    ),
    "node:20": (
        "imagekit-bench/node:20-standin",
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm "
        "ca-certificates && rm -rf /var/lib/apt/lists/*\n",
    ),
}
_FROM = re.compile(r"^(FROM\s+)(\S+)", re.MULTILINE | re.IGNORECASE)


def has_image(reference: str) -> bool:
    done = subprocess.run(
        ["docker", "image", "inspect", reference], capture_output=True, check=False
    )
    return done.returncode == 0


def stand_in(reference: str) -> str:
    """The local tag of the stand-in for ``reference``, built when missing."""
    tag, dockerfile = STAND_INS[reference]
    if not has_image(tag):
        print(f"building the stand-in {tag} for {reference}", file=sys.stderr)
        with tempfile.TemporaryDirectory() as scratch:
            Path(scratch, "Dockerfile").write_text(dockerfile, encoding="utf-8")
            shutil.copy(MACHINE_BUNDLE, Path(scratch, "ca-certificates.crt"))
            subprocess.run(
                ["docker", "build", "--network", "host", "-t", tag, scratch],
                check=True,
                stdout=subprocess.DEVNULL,
            )
    return tag


def fixable(path: Path) -> bool:
    done = subprocess.run(
        [*IMAGEKIT, "lint", "--isolated", "--diff", "--unsafe-fixes", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(done.stdout.strip())


def measure(example: Path) -> dict[str, Any]:
    """One example measured in a copy of its directory (stand-ins put in its FROMs)."""
    relative = str(example.relative_to(ROOT))
    with tempfile.TemporaryDirectory(prefix="imagekit-savings-") as scratch:
        copy = Path(scratch) / example.parent.name
        shutil.copytree(example.parent, copy)
        target = copy / example.name
        text = target.read_text(encoding="utf-8")
        used: dict[str, str] = {}

        def swap(match: re.Match[str]) -> str:
            image = match.group(2)
            if image in STAND_INS and not has_image(image):
                used[image] = stand_in(image)
                return match.group(1) + used[image]
            return match.group(0)

        target.write_text(_FROM.sub(swap, text), encoding="utf-8")
        started = time.monotonic()
        done = subprocess.run(
            [*IMAGEKIT, *MEASURE, str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = round(time.monotonic() - started, 1)
    entry: dict[str, Any] = {"file": relative, "stand_ins": used, "seconds": seconds}
    if done.returncode != 0:
        lines = [x for x in done.stderr.splitlines() if x.startswith("imagekit: error")]
        reason = lines[-1] if lines else done.stderr.strip()[-300:]
        entry["not_measured"] = reason[:300]
        return entry
    (result,) = json.loads(done.stdout)
    entry.update(before=result["before"], after=result["after"], rules=result["rules"])
    return entry


def per_rule(examples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for example in examples:
        for rule in example.get("rules", []):
            total = rules.setdefault(
                rule["rule"], {"saved": 0, "saved_uncompressed": 0, "examples": []}
            )
            if rule.get("error"):
                total.setdefault("broke_build", []).append(example["file"])
                continue
            total["saved"] += rule["saved"]["size"] or 0
            total["saved_uncompressed"] += rule["saved"]["uncompressed_size"]
            total["examples"].append(example["file"])
    return dict(sorted(rules.items()))


def _toml_string(text: str) -> str:
    return json.dumps(text)


def write_toml(path: Path, examples: list[dict[str, Any]]) -> None:
    lines = [
        "# Written by bench/fix_savings.py (`imagekit lint --diff --measure --unsafe-fixes` on",
        "# examples/): bytes each rule's fix saved, compressed as pushed and uncompressed,",
        "# summed over the examples it fixed. Do not edit by hand; run the script again.",
        "",
    ]
    for rule, total in per_rule(examples).items():
        lines += [
            f"[rules.{rule}]",
            f"saved = {total['saved']}",
            f"saved_uncompressed = {total['saved_uncompressed']}",
            f"examples = [{', '.join(_toml_string(e) for e in total['examples'])}]",
        ]
        if total.get("broke_build"):
            broke = ", ".join(_toml_string(e) for e in total["broke_build"])
            lines.append(f"broke_build = [{broke}]")
        lines.append("")
    for example in examples:
        lines.append("[[examples]]")
        lines.append(f"file = {_toml_string(example['file'])}")
        for image, tag in example["stand_ins"].items():
            lines.append(f"stand_in = {_toml_string(f'{image} stood in by {tag}')}")
        if "not_measured" in example:
            lines.append(f"not_measured = {_toml_string(example['not_measured'])}")
        else:
            lines.append(f"before = {example['before']['size']}")
            lines.append(f"after = {example['after']['size']}")
            lines.append(f"before_uncompressed = {example['before']['uncompressed_size']}")
            lines.append(f"after_uncompressed = {example['after']['uncompressed_size']}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--json", type=Path, help="Also write every measurement here.")
    args = parser.parse_args(argv)
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode:
        print("the docker engine does not answer: run `make services`", file=sys.stderr)
        return 2
    examples = []
    for path in sorted(ROOT.glob("examples/*/Dockerfile*")):
        if not fixable(path):
            continue
        print(f"measuring {path.relative_to(ROOT)}", file=sys.stderr)
        examples.append(measure(path))
    write_toml(args.output, examples)
    if args.json is not None:
        args.json.write_text(json.dumps(examples, indent=2) + "\n", encoding="utf-8")
    for example in examples:
        if "not_measured" in example:
            print(f"{example['file']}: not measured: {example['not_measured']}")
            continue
        for rule in example["rules"]:
            if rule.get("error"):
                print(f"{example['file']}: {rule['rule']}'s fix alone breaks the build")
                continue
            saved = rule["saved"]
            print(
                f"{example['file']}: {rule['rule']} {rule['name']} saved "
                f"{saved['size']} bytes compressed, {saved['uncompressed_size']} uncompressed"
            )
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
