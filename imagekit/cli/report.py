"""``imagekit report``: size reports without pushing (compare), the size trend from the
ledger (history), and the pull-request comment (pr)."""

from __future__ import annotations

import click

from imagekit.cli.common import group_class


def register(cli: click.Group) -> None:
    """Add the ``report`` group to ``cli``."""

    @cli.group(cls=group_class())
    def report() -> None:
        """Size reports: compare images, show the size trend, comment on pull requests."""

    _size_commands(report)
    _comment_commands(report)


def _size_commands(group: click.Group) -> None:
    """``compare`` and ``history``: size deltas between images, and their trend."""
    from imagekit.cli.sizes import add_size_commands

    add_size_commands(group)


def _comment_commands(group: click.Group) -> None:
    """``pr``: the size report as one sticky comment on a pull or merge request."""
    from imagekit.cli.common import format_option

    @group.command("pr")
    @click.option(
        "--report",
        "reports",
        multiple=True,
        required=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="A size report (--format json of push or report compare) or a Markdown file; "
        "repeat for several (JSON reports are merged, Markdown joined).",
    )
    @click.option("--repo", metavar="OWNER/NAME", help="The repository (GitLab: the project path).")
    @click.option(
        "--pr",
        "number",
        type=click.IntRange(min=1),
        metavar="N",
        help="The pull (merge) request number.",
    )
    @click.option(
        "--marker",
        "marker_name",
        default="size-report",
        show_default=True,
        metavar="NAME",
        help="Which sticky comment: <!-- imagekit:NAME -->; one per NAME.",
    )
    @click.option("--gitlab", "gitlab_forge", is_flag=True, help="A GitLab merge request.")
    @click.option(
        "--max-wait",
        type=click.FloatRange(min=0),
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help="Wait out rate limits up to this long in all, else fail.",
    )
    @click.option(
        "--ca-cert",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Also trust this CA (PEM) for the API's HTTPS (GitHub Enterprise, GitLab).",
    )
    @click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
    @format_option(("text", "json"), "text")
    @click.pass_context
    def pr(
        ctx: click.Context,
        reports: tuple[str, ...],
        repo: str | None,
        number: int | None,
        marker_name: str,
        gitlab_forge: bool,
        max_wait: float,
        ca_cert: str | None,
        dry_run: bool,
        fmt: str,
    ) -> None:
        """Post the size report as ONE comment on a pull request (GitHub) or merge request
        (GitLab), edited in place on later runs: the comment is found by a hidden marker
        line at its start, written by the token's user (or, for app tokens such as
        Actions' GITHUB_TOKEN, by a bot).

        Defaults come from the CI system: GitHub Actions (GITHUB_REPOSITORY, the event
        payload, GITHUB_API_URL), CircleCI (CIRCLE_PULL_REQUEST, CIRCLE_PROJECT_*), GitLab
        CI (CI_PROJECT_ID, CI_MERGE_REQUEST_IID, CI_API_V4_URL). The token: GITHUB_TOKEN
        or GITLAB_TOKEN. The report is also appended to $GITHUB_STEP_SUMMARY when set.
        Prints the comment's URL. Exit status: 0 posted, 2 bad or missing input, 6 the
        forge refused or failed.
        """
        import json
        import ssl
        from pathlib import Path

        from imagekit.cli.common import config_of, err, out
        from imagekit.errors import InputError
        from imagekit.registry.transport import Transport
        from imagekit.report import cienv
        from imagekit.report.comment import Forge, marker, post_sticky
        from imagekit.report.comment import dry_run as plan_of
        from imagekit.report.github import GitHub
        from imagekit.report.gitlab import GitLab
        from imagekit.report.saved import markdown_from_files

        config = config_of(ctx)
        marker(marker_name)
        text = markdown_from_files([Path(p) for p in reports])
        target = cienv.resolve(
            config.ci_var,
            repo=repo,
            number=number,
            gitlab_forge=gitlab_forge,
            need_token=not dry_run,
        )
        transport = Transport()
        if ca_cert is not None:
            try:
                context = ssl.create_default_context()
                context.load_verify_locations(cafile=ca_cert)
            except (OSError, ssl.SSLError) as exc:
                raise InputError(f"--ca-cert {ca_cert}: not a readable PEM file ({exc})") from None
            transport = Transport(ssl_context=context)
        kind = GitLab if target.forge == "gitlab" else GitHub
        forge: Forge = kind(
            target.repo,
            target.number,
            token=target.token,
            token_name=target.token_name,
            api_url=target.api_url,
            transport=transport,
            max_wait=max_wait,
        )
        if dry_run:
            plan = plan_of(forge, text, marker_name)
            if fmt == "json":
                requests = [{"method": m, "url": u, "purpose": p} for m, u, p in plan.requests]
                shown = {"action": "dry-run", "forge": target.forge, "requests": requests}
                out(json.dumps({**shown, "headers": dict(plan.headers), "body": plan.body}))
                return
            lines = [f"{m} {u}  ({p})" for m, u, p in plan.requests]
            lines += ["", *(f"{k}: {v}" for k, v in plan.headers), "", plan.body]
            out("\n".join(lines))
            return
        summary = config.ci_var("GITHUB_STEP_SUMMARY")
        if summary:
            cienv.append_summary(summary, text)
        outcome = post_sticky(forge, text, marker_name)
        err(f"imagekit: {outcome.action} comment {outcome.id} on {target.repo} #{target.number}")
        if fmt == "json":
            out(json.dumps({"action": outcome.action, "id": outcome.id, "url": outcome.url}))
        else:
            out(outcome.url)
