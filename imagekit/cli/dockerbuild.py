"""``imagekit build dockerfile [PATH]``: the CI build-and-push step in one command.

1. lint the Dockerfile under the configuration that applies to it (the gate: exit 1 and
   the findings on stderr, nothing built);
2. build it on the engine (DOCKER_HOST; BuildKit through /usr/bin/docker when the
   Dockerfile needs it), labelled with the commit (org.opencontainers.image.revision from
   the CI's variables, else ``git rev-parse HEAD`` of the context);
3. inspect the image against the ``inspect:`` limits of the configuration (exit 1);
4. push it to every ``--push REF`` with the size report (exit 3 for a registry error);
5. ``--report FILE``: the size report as Markdown (FILE.md) and JSON (FILE.json), for
   ``imagekit report pr``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import config_of, err, format_option, out
from imagekit.config import Config
from imagekit.errors import PolicyFailure, UsageError

if TYPE_CHECKING:
    import click

    from imagekit.report.sizereport import SizeReport

REVISION_LABEL = "org.opencontainers.image.revision"


def dockerfile_path(path: str) -> Path:
    """PATH as a Dockerfile: a file, or a directory holding ``Dockerfile``."""
    candidate = Path(path)
    if candidate.is_dir():
        candidate = candidate / "Dockerfile"
    if not candidate.is_file():
        raise UsageError(f"{path}: no Dockerfile there", hint="name a Dockerfile or its directory")
    return candidate


def revision(config: Config, context: Path, use_git: bool) -> str:
    """The commit the image is built from: the CI's variable, else git's HEAD, else ""."""
    from imagekit.report.record import ci_revision

    commit, _ = ci_revision(config.ci_var)
    if commit or not use_git:
        return commit
    from imagekit.build.goimage import source_revision

    return source_revision(context)


def _pairs(values: Sequence[str], flag: str) -> tuple[tuple[str, str], ...]:
    from imagekit.cli.build import pairs

    return pairs(values, flag)


def _report_paths(report: str) -> tuple[Path, Path]:
    path = Path(report)
    stem = path.with_suffix("") if path.suffix.lower() in (".md", ".json") else path
    return stem.with_name(stem.name + ".md"), stem.with_name(stem.name + ".json")


def _local_report(image_id: str, reference: str, base_url: str | None) -> SizeReport:
    from imagekit.oci.engine import open_engine
    from imagekit.report.compare import measured_sizes
    from imagekit.report.delta import delta
    from imagekit.report.sizereport import size_report

    image = open_engine(image_id, base_url=base_url)
    try:
        sizes = measured_sizes(image, reference, compute_compressed=True)
    finally:
        image.close()
    return size_report([delta(None, sizes)])


def run_dockerfile(config: Config, path: str, options: dict[str, Any]) -> int:
    from imagekit.build.dockerbuild import BuildRequest, build
    from imagekit.cli.bases import engine_of
    from imagekit.cli.gates import LintGate, buildkit_needs, finding_dict

    dockerfile = dockerfile_path(path)
    context = Path(options["context"]) if options["context"] else dockerfile.parent
    if not context.is_dir():
        raise UsageError(f"--context {context}: no such directory")
    text = dockerfile.read_text(encoding="utf-8", errors="replace")
    limits = _limits(options, dockerfile.parent)
    labels = dict(_pairs(options["label"], "--label"))
    build_args = _pairs(options["build_arg"], "--build-arg")
    fmt = options["fmt"]
    summary: dict[str, Any] = {"dockerfile": str(dockerfile)}

    findings, failing = LintGate(options["config_path"], options["isolated"]).lint(
        text, dockerfile, context=context, target=options["target"]
    )
    summary["lint"] = {"findings": [finding_dict(f) for f in findings], "failing": failing}
    _show(findings)
    if failing:
        _emit(summary, fmt)
        raise PolicyFailure(
            f"{dockerfile}: {failing} finding{'s' * (failing != 1)} at or above the failure "
            "threshold; nothing was built",
            hint="fix them (imagekit lint --fix), or set lint.failure-threshold",
        )

    commit = revision(config, context, not options["no_git"])
    if commit and REVISION_LABEL not in labels:
        labels[REVISION_LABEL] = commit
    engine = engine_of(config)
    request = BuildRequest(
        context,
        dockerfile.resolve(),
        tuple(options["tag"]),
        target=options["target"],
        build_args=build_args,
        labels=tuple(sorted(labels.items())),
        buildkit=buildkit_needs(text, str(dockerfile)),
        what=str(dockerfile),
    )
    err(f"building {dockerfile} ({'BuildKit' if request.buildkit else 'classic builder'})")
    made = build(request, engine, lambda line: err(f"  | {line}"))
    reference = request.tags[0] if request.tags else made.image_id
    summary.update(
        image_id=made.image_id, tags=list(request.tags), builder=made.builder, labels=labels
    )
    err(f"built {reference} ({made.image_id})")

    crossings = _inspect(made.image_id, limits, engine.base_url, summary)
    if crossings:
        for crossing in crossings:
            err(PolicyFailure(crossing).format())
        _emit(summary, fmt)
        return PolicyFailure.exit_code

    report: SizeReport | None = None
    if options["push"]:
        from imagekit.cli.buildpush import PushOptions, push_engine_image

        pushed = push_engine_image(
            config, reference, options["push"], PushOptions(insecure=options["insecure"])
        )
        report = pushed.report
        summary["push"] = pushed.to_dict()
        summary.update(pushed.extra)
        err(f"pushed {pushed.result.digest} to {', '.join(options['push'])}")
    if options["report"]:
        if report is None:
            report = _local_report(made.image_id, reference, engine.base_url)
        _write_report(report, summary, options["report"])
    if report is not None:
        from imagekit.report.sizerender import render_size_report

        err(render_size_report(report, "table").rstrip("\n"))
    if fmt == "json":
        _emit(summary, fmt)
    else:
        out(str(summary.get("push", {}).get("digest") or made.image_id))
    return 0


def _limits(options: dict[str, Any], directory: Path) -> Any:
    """The ``inspect:`` limits of the configuration that applies to the Dockerfile (found
    from its directory upward, as lint finds it), or of ``--config``."""
    from imagekit.cli.inspect import _inspect_limits
    from imagekit.config import files

    path = options["config_path"]
    if path is None and not options["isolated"]:
        path = files.find(str(directory))
    return _inspect_limits({}, path, path is None)


def _inspect(
    image_id: str, limits: Any, base_url: str | None, summary: dict[str, Any]
) -> list[str]:
    """The messages of the limits the image crosses (none when no limit is set)."""
    if not limits.any:
        return []
    from imagekit.analyze import analyze
    from imagekit.oci.engine import open_engine
    from imagekit.report.gate import check

    image = open_engine(image_id, base_url=base_url)
    try:
        analysis = analyze(image, compute_compressed=True, duplicate_min_size=None)
    finally:
        image.close()
    crossings = check(analysis, limits)
    summary["inspect"] = {
        "size": analysis.total_size,
        "uncompressed_size": analysis.total_uncompressed_size,
        "wasted_bytes": analysis.wasted_bytes,
        "crossings": [c.to_dict() for c in crossings],
    }
    return [c.message for c in crossings]


def _show(findings: Sequence[Any]) -> None:
    if not findings:
        return
    from imagekit.lint.output import render

    err(render(findings, "tty").rstrip("\n"))


def _emit(summary: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        out(json.dumps(summary, indent=2))


def _write_report(report: SizeReport, summary: dict[str, Any], target: str) -> None:
    from imagekit.errors import InputError
    from imagekit.report.sizerender import render_size_report

    markdown, data = _report_paths(target)
    document = {"size_report": report.to_dict()}
    if "trends" in summary:
        document["trends"] = summary["trends"]
    try:
        markdown.write_text(render_size_report(report, "markdown"), encoding="utf-8")
        data.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--report {target}: cannot write ({exc.strerror or exc})") from None
    summary["report"] = {"markdown": str(markdown), "json": str(data)}
    err(f"wrote {markdown} and {data}")


def add_dockerfile_command(build: click.Group) -> None:
    """Add ``dockerfile`` to the ``build`` group."""
    import click

    @build.command(name="dockerfile")
    @click.argument("path", default="Dockerfile", required=False)
    @click.option("--context", metavar="DIR", help="The build context (default: PATH's directory).")
    @click.option(
        "--tag", "-t", multiple=True, metavar="NAME:TAG", help="Tag the image (repeatable)."
    )
    @click.option("--target", metavar="STAGE", help="Build this stage.")
    @click.option(
        "--build-arg", multiple=True, metavar="KEY=VALUE", help="A build arg (repeatable)."
    )
    @click.option("--label", multiple=True, metavar="KEY=VALUE", help="A label (repeatable).")
    @click.option(
        "--push",
        multiple=True,
        metavar="REF",
        help="Push to [docker://]HOST/REPO[:TAG] (repeatable).",
    )
    @click.option(
        "--report",
        metavar="FILE",
        help="Write the size report to FILE.md (Markdown) and FILE.json (for imagekit report pr).",
    )
    @click.option("--config", "config_path", metavar="FILE", help="Use this configuration file.")
    @click.option("--isolated", is_flag=True, help="Ignore configuration files.")
    @click.option("--no-git", is_flag=True, help="Do not ask git for the commit.")
    @click.option("--insecure", is_flag=True, help="Plain HTTP for a registry not on loopback.")
    @format_option(("text", "json"), "text")
    @click.pass_context
    def dockerfile(ctx: click.Context, /, path: str, **options: Any) -> None:
        """Lint, build, inspect and push the Dockerfile PATH (default ./Dockerfile; a
        directory means its Dockerfile): the CI step in one command.

        \b
        1. lint at the configured failure threshold (findings on stderr);
        2. build on the docker engine (DOCKER_HOST), labelled with the commit
           (org.opencontainers.image.revision: the CI's commit variable, else git);
           BuildKit-only Dockerfiles go through /usr/bin/docker with DOCKER_BUILDKIT=1;
        3. check the inspect: limits of the configuration (size, waste, efficiency);
        4. push to each --push REF and print the size report (stderr);
        5. --report FILE: write it as FILE.md and FILE.json.

        \b
        stdout: the pushed manifest digest (else the image ID), or with --format json
        {dockerfile, lint, image_id, tags, builder, labels, inspect, push, size_report}.
        Exit status: 0 done, 1 a gate (lint findings or an inspect limit; nothing is
        pushed), 2 bad usage or input, 3 the push failed, 4 the build failed.
        """
        code = run_dockerfile(config_of(ctx), path, options)
        if code:
            raise click.exceptions.Exit(code)
