"""Side-by-side benchmark of ``imagekit lint`` and hadolint on the same Dockerfiles.

Two scenarios, measured in one run on one generated corpus:

(a) batch:  one process over every file (``imagekit lint f1 ... fN`` vs ``hadolint f1 ... fN``);
(b) single: one process per file, as pre-commit calls a linter hook, over a sample of files.

Wall-clock time is taken with ``time.perf_counter`` around ``subprocess.run`` (output discarded),
the two tools interleaved so machine noise hits both, after one warm-up call of each.  hadolint
runs with its default rules, which include ShellCheck on RUN instructions (ShellCheck is linked
into the hadolint binary); ``--no-fail`` only keeps its exit code at 0 so that a crash can be
told from findings.

Exit status: 0 every target met, 1 a target missed or a timed call failed, 2 imagekit (or
hadolint) could not be run; with imagekit missing, hadolint is still measured and reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dockerfile_corpus import DEFAULT_SEED, GeneratedDockerfile, executable, write_corpus

BATCH_TARGET = 0.2  # imagekit/hadolint, one call over all files
SINGLE_TARGET = 1.5  # imagekit/hadolint, mean time of one single-file call
HADOLINT_OK = frozenset({0})  # with --no-fail: anything else is a crash or a usage error
IMAGEKIT_OK = frozenset({0, 1})  # 0 clean, 1 findings; 2 is usage or unreadable input


class ToolUnavailable(Exception):
    """A linter binary is missing or does not lint a known-good Dockerfile."""


@dataclass(frozen=True)
class Tool:
    name: str
    argv: tuple[str, ...]
    ok_codes: frozenset[int]

    def command(self, files: Sequence[str]) -> list[str]:
        return [*self.argv, *files]


@dataclass
class Machine:
    cpu: str
    cores: int
    usable_cores: int
    platform: str
    python: str
    hadolint_version: str
    imagekit_version: str | None


@dataclass
class Timing:
    seconds: float
    returncode: int


@dataclass
class Scenario:
    key: str
    title: str
    target: float
    unit: str  # what one measurement is: "call" over all files, or "per call" mean
    hadolint_runs_s: list[float] = field(default_factory=list)
    imagekit_runs_s: list[float] = field(default_factory=list)
    bad_exits: list[str] = field(default_factory=list)

    @property
    def hadolint_s(self) -> float:
        return statistics.median(self.hadolint_runs_s)

    @property
    def imagekit_s(self) -> float | None:
        return statistics.median(self.imagekit_runs_s) if self.imagekit_runs_s else None

    @property
    def ratio(self) -> float | None:
        ik = self.imagekit_s
        return None if ik is None else ik / self.hadolint_s

    @property
    def passed(self) -> bool | None:
        ratio = self.ratio
        if ratio is None:
            return None
        return ratio <= self.target and not self.bad_exits


@dataclass
class FileTimes:
    file: str
    lines: int
    hadolint_ms: list[float] = field(default_factory=list)
    imagekit_ms: list[float] = field(default_factory=list)


# --- measuring ---------------------------------------------------------------------------------


def timed(tool: Tool, files: Sequence[str], cwd: Path) -> Timing:
    argv = tool.command(files)
    start = time.perf_counter()
    proc = subprocess.run(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return Timing(time.perf_counter() - start, proc.returncode)


def warm_up(tool: Tool, file: str, cwd: Path) -> None:
    """One untimed call; raise ToolUnavailable if the tool cannot lint ``file``."""
    binary = Path(tool.argv[0])
    if not binary.is_file():
        raise ToolUnavailable(f"{tool.name}: {binary} does not exist")
    try:
        proc = subprocess.run(
            tool.command([file]), cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise ToolUnavailable(f"{tool.name}: cannot run {binary}: {exc}") from exc
    if proc.returncode not in tool.ok_codes:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise ToolUnavailable(
            f"{tool.name}: `{' '.join(tool.command([file]))}` exited {proc.returncode}"
            + ("".join(f"\n    {line}" for line in detail) if detail else "")
        )


def record(scenario: Scenario, tool: Tool, timing: Timing, what: str) -> None:
    if timing.returncode not in tool.ok_codes:
        scenario.bad_exits.append(f"{tool.name} exited {timing.returncode} on {what}")


def run_batch(
    hadolint: Tool, imagekit: Tool | None, files: Sequence[str], cwd: Path, repeat: int
) -> Scenario:
    scenario = Scenario("a", f"one call over {len(files)} files", BATCH_TARGET, "call")
    for rep in range(repeat):
        log(f"(a) batch: repetition {rep + 1}/{repeat}")
        for tool in (hadolint, imagekit):
            if tool is None:
                continue
            timing = timed(tool, files, cwd)
            record(scenario, tool, timing, f"the batch call (repetition {rep + 1})")
            runs = scenario.hadolint_runs_s if tool is hadolint else scenario.imagekit_runs_s
            runs.append(timing.seconds)
    return scenario


def run_single(
    hadolint: Tool,
    imagekit: Tool | None,
    files: Sequence[GeneratedDockerfile],
    cwd: Path,
    repeat: int,
) -> tuple[Scenario, list[FileTimes]]:
    scenario = Scenario(
        "b", f"{len(files)} single-file calls (pre-commit)", SINGLE_TARGET, "per call"
    )
    per_file = [FileTimes(f.relpath, f.line_count) for f in files]
    for rep in range(repeat):
        log(f"(b) single-file calls: repetition {rep + 1}/{repeat}")
        sums = {"hadolint": 0.0, "imagekit": 0.0}
        for f, times in zip(files, per_file, strict=True):
            for tool in (hadolint, imagekit):
                if tool is None:
                    continue
                timing = timed(tool, [f.relpath], cwd)
                record(scenario, tool, timing, f.relpath)
                sums[tool.name] += timing.seconds
                ms = times.hadolint_ms if tool is hadolint else times.imagekit_ms
                ms.append(round(timing.seconds * 1000, 3))
        scenario.hadolint_runs_s.append(sums["hadolint"] / len(files))
        if imagekit is not None:
            scenario.imagekit_runs_s.append(sums["imagekit"] / len(files))
    return scenario, per_file


# --- machine description -----------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def version_of(argv: Sequence[str]) -> str | None:
    try:
        proc = subprocess.run(
            [*argv, "--version"], capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    text = (proc.stdout or proc.stderr).strip()
    match = re.search(r"\d+\.\d+(\.\d+)?\S*", text)
    return match.group(0) if match else text or None


def describe_machine(hadolint: Path, imagekit: Path | None) -> Machine:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 1,
        usable_cores=usable,
        platform=platform.platform(),
        python=platform.python_version(),
        hadolint_version=version_of([str(hadolint)]) or "unknown",
        imagekit_version=(version_of([str(imagekit)]) or "unknown") if imagekit else None,
    )


# --- output ------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fmt_time(seconds: float | None, scenario: Scenario) -> str:
    if seconds is None:
        return "n/a"
    if scenario.unit == "call":
        return f"{seconds:.3f} s"
    return f"{seconds * 1000:.1f} ms/call"


def table_rows(scenarios: Sequence[Scenario]) -> list[list[str]]:
    rows = []
    for s in scenarios:
        ratio = s.ratio
        if s.passed is None:
            verdict = "n/a"
        elif s.bad_exits:
            verdict = "invalid"
        else:
            verdict = "pass" if s.passed else "FAIL"
        rows.append(
            [
                f"({s.key}) {s.title}",
                fmt_time(s.hadolint_s, s),
                fmt_time(s.imagekit_s, s),
                "n/a" if ratio is None else f"{ratio:.3f}",
                f"<= {s.target}",
                verdict,
            ]
        )
    return rows


HEADERS = ["scenario", "hadolint", "imagekit", "imagekit/hadolint", "target", "result"]


def machine_line(m: Machine) -> str:
    return (
        f"{m.cpu}, {m.cores} cores ({m.usable_cores} usable), Python {m.python}, "
        f"hadolint {m.hadolint_version}, imagekit {m.imagekit_version or 'not runnable'}"
    )


def plain_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
    lines = [HEADERS, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    cells = [[c.replace("<=", "≤") for c in r] for r in rows]
    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(["---"] + ["--:"] * 4 + [":-:"]) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def report(
    machine: Machine,
    scenarios: Sequence[Scenario],
    corpus: Sequence[GeneratedDockerfile],
    repeat: int,
    markdown: bool,
) -> str:
    lengths = [f.line_count for f in corpus]
    corpus_line = (
        f"{len(corpus)} generated Dockerfiles, {min(lengths)}-{max(lengths)} lines "
        f"(mean {statistics.fmean(lengths):.1f}); median of {repeat} repetitions; "
        "hadolint with default rules (ShellCheck included)"
    )
    rows = table_rows(scenarios)
    if markdown:
        return f"{markdown_table(rows)}\n\n_Machine: {machine_line(machine)}. {corpus_line}._"
    return f"machine: {machine_line(machine)}\ncorpus:  {corpus_line}\n\n{plain_table(rows)}"


def json_document(
    machine: Machine,
    scenarios: Sequence[Scenario],
    per_file: Sequence[FileTimes],
    corpus: Sequence[GeneratedDockerfile],
    args: argparse.Namespace,
    tools: dict[str, list[str]],
    imagekit_error: str | None,
) -> dict[str, object]:
    lengths = [f.line_count for f in corpus]
    out_scenarios = []
    for s in scenarios:
        n = len(corpus) if s.key == "a" else 1
        item: dict[str, object] = {
            "id": s.key,
            "title": s.title,
            "measure": "median wall-clock seconds of one call"
            if s.key == "a"
            else "median over repetitions of the mean wall-clock seconds per call",
            "hadolint_s": s.hadolint_s,
            "imagekit_s": s.imagekit_s,
            "ratio": s.ratio,
            "target": s.target,
            "passed": s.passed,
            "hadolint_runs_s": s.hadolint_runs_s,
            "imagekit_runs_s": s.imagekit_runs_s,
            "hadolint_ms_per_file": s.hadolint_s * 1000 / n,
            "imagekit_ms_per_file": None if s.imagekit_s is None else s.imagekit_s * 1000 / n,
            "bad_exits": s.bad_exits,
        }
        if s.key == "b":
            item["per_file_ms"] = [asdict(t) for t in per_file]
        out_scenarios.append(item)
    return {
        "machine": asdict(machine),
        "corpus": {
            "files": len(corpus),
            "seed": args.seed,
            "lines_min": min(lengths),
            "lines_max": max(lengths),
            "lines_mean": statistics.fmean(lengths),
            "families": dict(sorted(Counter(f.family for f in corpus).items())),
        },
        "settings": {"repeat": args.repeat, "single": args.single, "commands": tools},
        "imagekit_error": imagekit_error,
        "scenarios": out_scenarios,
    }


# --- main --------------------------------------------------------------------------------------


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    bindir = Path(sys.executable).parent
    parser = argparse.ArgumentParser(
        description="Benchmark `imagekit lint` against hadolint on generated Dockerfiles."
    )
    parser.add_argument("--imagekit", type=executable, default=bindir / "imagekit")
    parser.add_argument("--hadolint", type=executable, default=bindir / "hadolint")
    parser.add_argument("--files", type=positive, default=500, help="files in the batch call")
    parser.add_argument("--single", type=positive, default=50, help="single-file calls per rep")
    parser.add_argument("--repeat", type=positive, default=3, help="repetitions per scenario")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        metavar="DIR",
        help="write (and keep) the corpus here instead of a temporary directory",
    )
    return parser.parse_args(argv)


def sample(files: Sequence[GeneratedDockerfile], n: int) -> list[GeneratedDockerfile]:
    """``n`` files spread evenly over the corpus (every family is represented)."""
    n = min(n, len(files))
    return [files[i * len(files) // n] for i in range(n)]


def benchmark(args: argparse.Namespace, root: Path) -> int:
    log(f"generating {args.files} Dockerfiles (seed {args.seed}) in {root}")
    corpus = write_corpus(root, args.files, args.seed)
    relpaths = [f.relpath for f in corpus]
    singles = sample(corpus, args.single)

    hadolint = Tool("hadolint", (str(args.hadolint), "--no-fail"), HADOLINT_OK)
    imagekit_tool = Tool("imagekit", (str(args.imagekit), "lint"), IMAGEKIT_OK)
    try:
        warm_up(hadolint, relpaths[0], root)
    except ToolUnavailable as exc:
        log(f"error: {exc}")
        return 2
    imagekit: Tool | None = imagekit_tool
    imagekit_error = None
    try:
        warm_up(imagekit_tool, relpaths[0], root)
    except ToolUnavailable as exc:
        imagekit_error = str(exc)
        imagekit = None
        log(f"imagekit is not runnable, measuring hadolint alone: {exc}")

    machine = describe_machine(args.hadolint, args.imagekit if imagekit else None)
    batch = run_batch(hadolint, imagekit, relpaths, root, args.repeat)
    single, per_file = run_single(hadolint, imagekit, singles, root, args.repeat)
    scenarios = [batch, single]

    print(report(machine, scenarios, corpus, args.repeat, args.markdown))
    for s in scenarios:
        for problem in s.bad_exits:
            print(f"warning: ({s.key}) {problem}")
    if imagekit_error:
        print(f"\nimagekit was not measured: {imagekit_error}")
    if args.json:
        tools = {t.name: t.command(["FILE..."]) for t in (hadolint, imagekit_tool)}
        doc = json_document(machine, scenarios, per_file, corpus, args, tools, imagekit_error)
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    if imagekit_error:
        return 2
    return 0 if all(s.passed for s in scenarios) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.corpus_dir is not None:
        args.corpus_dir.mkdir(parents=True, exist_ok=True)
        return benchmark(args, args.corpus_dir)
    with tempfile.TemporaryDirectory(prefix="imagekit-bench-") as tmp:
        return benchmark(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
