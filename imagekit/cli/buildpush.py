"""``--push`` of the build commands: the pusher of ``imagekit push`` (:func:`run_push`) with
its size report and ledger (:class:`~imagekit.cli.sizes.PushSizes`), for an image the
engine holds. No second push path: the same blobs, mounts, report and records."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import err
from imagekit.config import Config

if TYPE_CHECKING:
    from imagekit.registry.push import PushResult
    from imagekit.report.sizereport import SizeReport


@dataclass(frozen=True, slots=True)
class PushOptions:
    insecure: bool = False
    ca_cert: str | None = None
    jobs: int = 4
    ledger: bool = True


@dataclass(frozen=True, slots=True)
class Pushed:
    result: PushResult
    report: SizeReport
    extra: dict[str, Any]
    """``size_report``, ``ledger`` and ``trends``, as ``imagekit push --format json`` has them."""

    def to_dict(self) -> dict[str, Any]:
        from imagekit.cli.push import push_json

        return {**push_json(self.result), **self.extra}


def push_engine_image(
    config: Config, reference: str, destinations: Sequence[str], options: PushOptions
) -> Pushed:
    """Push the engine's image ``reference`` to every destination and make its size report
    (against what each destination tag named before), recorded in the size ledger (the
    embedded registry's own, when the destinations are on it)."""
    from imagekit.cli.progress import progress_for
    from imagekit.cli.push import parse_registry, run_push
    from imagekit.cli.sizes import PushSizes, budget_from_flags, ledger_for

    registries = [parse_registry(text) for text in destinations]
    book = ledger_for(config, registries, ledger=None, s3_endpoint=None) if options.ledger else None
    sizes = PushSizes(
        config,
        destinations,
        compare_to=None,
        budget=budget_from_flags(None, None),
        ledger=book,
        clock=time.time,
    )
    progress = progress_for(config)
    try:
        result = run_push(
            f"docker-daemon:{reference}",
            destinations,
            config=config,
            jobs=options.jobs,
            insecure=options.insecure,
            ca_cert=options.ca_cert,
            on_event=progress,
            mount_candidates=None if book is None else book.mount_candidates(registries),
            before_push=sizes.read_before,
        )
    finally:
        progress.close()
    report = sizes.after(result)
    for warning in sizes.warnings:
        err(f"imagekit: warning: {warning}")
    return Pushed(result, report, sizes.to_dict(report))
