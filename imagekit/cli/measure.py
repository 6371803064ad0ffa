"""``imagekit lint --fix --measure``: what the fixes are worth, in bytes, measured.

For each Dockerfile: build it as it is, as fixed (the safe fixes, or with
``--unsafe-fixes`` the unsafe ones too) and, for every rule that had a fix applied, with
that rule's fixes alone; each image's size is taken compressed (its layers gzipped as a
push sends them, plus the config) and uncompressed. The engine's layer cache keeps the
extra builds cheap: a variant rebuilds only from the first instruction it changes.

The builds are tagged ``imagekit-measure/NAME:VARIANT`` (``before``, ``after``, a rule
id), so a second run finds its layers in the cache. ``--fix`` then writes the fixed file
as it always does; ``--diff --measure`` measures and changes nothing.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import err
from imagekit.config import Config

if TYPE_CHECKING:
    from imagekit.build.dockerbuild import Engine
    from imagekit.lint.engine import Linter

REPOSITORY = "imagekit-measure"
MAX_PASSES = 10


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    """``before``, ``after`` or a rule id."""
    text: str
    image_id: str = ""
    size: int | None = None
    uncompressed_size: int = 0
    fixes: int = 0
    rule_name: str = ""
    error: str = ""
    """Why this rule's variant did not build (its fix alone breaks the build)."""

    def saved(self, before: Variant) -> dict[str, int | None]:
        if self.error:
            return {"size": None, "uncompressed_size": None}
        size = None if self.size is None or before.size is None else before.size - self.size
        return {
            "size": size,
            "uncompressed_size": before.uncompressed_size - self.uncompressed_size,
        }


@dataclass(slots=True)
class Measured:
    path: str
    before: Variant
    after: Variant
    rules: list[Variant] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def sizes(v: Variant) -> dict[str, Any]:
            return {
                "image_id": v.image_id,
                "size": v.size,
                "uncompressed_size": v.uncompressed_size,
            }

        return {
            "file": self.path,
            "before": sizes(self.before),
            "after": {**sizes(self.after), "fixes": self.after.fixes},
            "saved": self.after.saved(self.before),
            "rules": [
                {
                    "rule": v.name,
                    "name": v.rule_name,
                    "fixes": v.fixes,
                    **sizes(v),
                    "saved": v.saved(self.before),
                    **({"error": v.error} if v.error else {}),
                }
                for v in self.rules
            ],
        }


def fix_rule(
    linter: Linter, text: str, path: str, directory: Path, rule: str | None, unsafe: bool
) -> tuple[str, int, str]:
    """``text`` with the fixes of ``rule`` applied (all rules: None), pass after pass as
    ``--fix`` does; the new text, how many fixes were applied, and the rule's name."""
    from imagekit.lint.fixer import apply_fixes

    applied = 0
    name = ""
    for _ in range(MAX_PASSES):
        findings = [
            f for f in linter.lint_text(text, path, directory) if rule is None or f.rule == rule
        ]
        new_text, done = apply_fixes(text, findings, unsafe)
        if not done or new_text == text:
            break
        name = name or done[0].name
        applied += len(done)
        text = new_text
    return text, applied, name


def _slug(path: str) -> str:
    parts = [p for p in re.split(r"[^a-z0-9]+", path.lower()) if p and p != "dockerfile"]
    return "-".join(parts[-3:]) or "dockerfile"


def measure_file(
    path: Path,
    linter: Linter,
    fixed: str,
    fixes: int,
    *,
    context: Path,
    target: str | None,
    unsafe: bool,
    engine: Engine,
    sizes: Callable[[str], tuple[int | None, int]],
    applied_rules: Sequence[str],
    on_line: Callable[[str], None] = err,
) -> Measured:
    """Build ``path`` as it is, as ``fixed`` (the text ``--fix`` makes), and once per rule
    of ``applied_rules`` with that rule's fixes alone."""
    from imagekit.build.dockerbuild import BuildRequest, build
    from imagekit.cli.gates import buildkit_needs
    from imagekit.errors import BuildError

    original = path.read_text(encoding="utf-8")
    variants = [Variant("before", original), Variant("after", fixed, fixes=fixes)]
    for rule in applied_rules:
        text, n, name = fix_rule(linter, original, str(path), context, rule, unsafe)
        if n:
            variants.append(Variant(rule, text, fixes=n, rule_name=name))
    slug = _slug(str(path))
    built: dict[str, tuple[str, int | None, int]] = {}
    out: list[Variant] = []
    with tempfile.TemporaryDirectory(prefix="imagekit-measure-") as scratch:
        for variant in variants:
            if variant.text in built:
                image_id, size, uncompressed = built[variant.text]
            else:
                dockerfile = Path(scratch) / f"{variant.name}.Dockerfile"
                dockerfile.write_text(variant.text, encoding="utf-8")
                tag = f"{REPOSITORY}/{slug}:{variant.name.lower()}"
                on_line(f"measuring {path} {variant.name}: building {tag}")
                request = BuildRequest(
                    context,
                    dockerfile,
                    (tag,),
                    target=target,
                    buildkit=buildkit_needs(variant.text, str(path)),
                    what=f"{path} ({variant.name})",
                )
                try:
                    image_id = build(request, engine).image_id
                except BuildError as exc:
                    if variant.name in ("before", "after"):
                        raise
                    on_line(f"measuring {path} {variant.name}: its fix alone breaks the build")
                    out.append(replace(variant, error=exc.message))
                    continue
                size, uncompressed = sizes(image_id)
                built[variant.text] = (image_id, size, uncompressed)
            out.append(
                Variant(
                    variant.name,
                    variant.text,
                    image_id,
                    size,
                    uncompressed,
                    variant.fixes,
                    variant.rule_name,
                )
            )
    return Measured(str(path), out[0], out[1], out[2:])


def render_text(results: Sequence[Measured]) -> str:
    from imagekit.report.sizes import human_delta, human_size

    def size(value: int | None) -> str:
        return human_size(value) if value is not None else "?"

    def saved(value: int | None) -> str:
        return human_delta(-value) if value is not None else "?"

    lines: list[str] = []
    for result in results:
        lines.append(
            f"{result.path}: what the fixes are worth (compressed as pushed / uncompressed)"
        )
        rows = [("before", result.before), ("after all fixes", result.after)]
        rows += [(f"{v.name} {v.rule_name} only", v) for v in result.rules]
        width = max(len(label) for label, _ in rows)
        for label, v in rows:
            if v.error:
                lines.append(f"  {label:<{width}}  did not build: {v.error}")
                continue
            change = v.saved(result.before)
            tail = (
                ""
                if v is result.before
                else f"  {saved(change['size'])} / {saved(change['uncompressed_size'])}"
            )
            lines.append(
                f"  {label:<{width}}  {size(v.size):>9} / {size(v.uncompressed_size):>9}{tail}"
            )
    return "\n".join(lines) + "\n"


def run_measure(
    paths: Sequence[str],
    *,
    config: Config,
    fmt: str,
    unsafe_fixes: bool,
    diff: bool,
    context: Path | None,
    target: str | None,
    config_path: str | None,
    isolated: bool,
    ignore: Sequence[str] = (),
    enable: Sequence[str] = (),
    **_: Any,
) -> int:
    """``imagekit lint --fix --measure`` (``--diff --measure``): measure, then write the
    fixes (not with ``--diff``); the report on stdout."""
    import sys

    from imagekit.cli.bases import engine_of
    from imagekit.cli.gates import SizeCache
    from imagekit.errors import UsageError
    from imagekit.lint.discover import discover
    from imagekit.lint.engine import Flags, Linters, LintOptions
    from imagekit.lint.fixer import fix_bytes, write_atomic

    if "-" in paths:
        raise UsageError("--measure builds files: standard input cannot be measured")
    files, errors = discover(paths)
    if errors:
        raise UsageError(errors[0])
    options = LintOptions(target=target, context=context)
    linters = Linters(
        options,
        Flags(config=config_path, isolated=isolated, ignore=tuple(ignore), enable=tuple(enable)),
    )
    engine = engine_of(config)
    cache = SizeCache(config.cache_dir, engine.base_url)
    results: list[Measured] = []
    for name in files:
        path = Path(name)
        linter = linters.for_file(name, str(path.parent))
        directory = context if context is not None else path.parent
        fixed = fix_bytes(linter, path.read_bytes(), name, directory, unsafe_fixes)
        rules = sorted({f.rule for f in fixed.applied})
        results.append(
            measure_file(
                path,
                linter,
                fixed.after.decode("utf-8"),
                len(fixed.applied),
                context=directory,
                target=target,
                unsafe=unsafe_fixes,
                engine=engine,
                sizes=cache.sizes,
                applied_rules=rules,
            )
        )
        if fixed.changed and not diff:
            write_atomic(name, fixed.after)
            err(f"imagekit: fixed {len(fixed.applied)} finding(s) in {name}")
    if fmt == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
    else:
        sys.stdout.write(render_text(results))
    sys.stdout.flush()
    return 0
