"""Where a pull-request comment goes, from the flags and the CI system's variables.

The variables come in through ``ci_var`` (:meth:`imagekit.config.Config.ci_var`); this
module reads none itself. Flags win over variables.

GitHub (the default):

- repository: ``--repo``, else ``GITHUB_REPOSITORY`` (Actions), else CircleCI's
  ``CIRCLE_PROJECT_USERNAME``/``CIRCLE_PROJECT_REPONAME``, else the repository in
  ``CIRCLE_PULL_REQUEST``;
- pull request: ``--pr``, else the Actions event payload at ``GITHUB_EVENT_PATH``
  (``pull_request.number``, or ``issue.number`` of an issue that is a pull request), else
  ``GITHUB_REF`` (``refs/pull/N/merge``), else ``CIRCLE_PULL_REQUEST`` (the pull
  request's URL, ``https://github.com/OWNER/NAME/pull/N``; the first of
  ``CIRCLE_PULL_REQUESTS`` when only that is set), else ``CIRCLE_PR_NUMBER`` (forks);
- API: ``GITHUB_API_URL``, else ``https://HOST/api/v3`` when ``CIRCLE_PULL_REQUEST`` is on
  a GitHub Enterprise host, else https://api.github.com; token: ``GITHUB_TOKEN``.

GitLab (``--gitlab``, or ``GITLAB_CI`` / ``CI_API_V4_URL`` set): project ``--repo`` (a
path such as ``group/app``) or ``CI_MERGE_REQUEST_PROJECT_ID`` or ``CI_PROJECT_ID``; merge
request ``--pr`` or ``CI_MERGE_REQUEST_IID``; API ``CI_API_V4_URL``; token ``GITLAB_TOKEN``
(``CI_JOB_TOKEN`` cannot write notes: :mod:`imagekit.report.gitlab`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from imagekit.errors import PublishError, UsageError
from imagekit.report import github, gitlab

CiVar = Callable[[str], str]
_PR_URL = re.compile(r"https?://([^/\s]+)/([^/\s]+)/([^/\s]+)/pull/(\d+)/?$")
_PR_REF = re.compile(r"refs/pull/(\d+)/(?:merge|head)$")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Target:
    """A pull or merge request to comment on, and how to reach it."""

    forge: str
    api_url: str
    repo: str
    number: int
    token_name: str
    token: str = field(repr=False, default="")


def resolve(
    ci_var: CiVar,
    *,
    repo: str | None = None,
    number: int | None = None,
    gitlab_forge: bool = False,
    need_token: bool = True,
) -> Target:
    """The Target named by the flags, completed from the CI variables; UsageError for
    what is missing (no token, no repository, no pull-request number)."""
    if gitlab_forge or ci_var("GITLAB_CI") == "true" or ci_var("CI_API_V4_URL"):
        return _gitlab(ci_var, repo, number, need_token)
    return _github(ci_var, repo, number, need_token)


def _github(ci_var: CiVar, repo: str | None, number: int | None, need_token: bool) -> Target:
    circle = _PR_URL.match(ci_var("CIRCLE_PULL_REQUEST") or _first(ci_var("CIRCLE_PULL_REQUESTS")))
    circle_repo = "/".join(
        p for p in (ci_var("CIRCLE_PROJECT_USERNAME"), ci_var("CIRCLE_PROJECT_REPONAME")) if p
    )
    repo = (
        repo
        or ci_var("GITHUB_REPOSITORY")
        or circle_repo
        or (f"{circle.group(2)}/{circle.group(3)}" if circle else "")
    )
    if not repo:
        raise UsageError(
            "no repository to comment on",
            hint="pass --repo OWNER/NAME (GitHub Actions and CircleCI set it themselves)",
        )
    if not _REPO.fullmatch(repo):
        raise UsageError(f"--repo {repo!r} is not OWNER/NAME")
    found = number or _event_number(ci_var("GITHUB_EVENT_PATH"))
    if found is None and (ref := _PR_REF.match(ci_var("GITHUB_REF"))):
        found = int(ref.group(1))
    if found is None and circle:
        found = int(circle.group(4))
    if found is None and ci_var("CIRCLE_PR_NUMBER").isdigit():
        found = int(ci_var("CIRCLE_PR_NUMBER"))
    if found is None:
        raise UsageError("no pull-request number", hint=_no_number_hint(ci_var))
    api_url = ci_var("GITHUB_API_URL")
    if not api_url and circle and circle.group(1).lower() != "github.com":
        api_url = f"https://{circle.group(1)}/api/v3"
    token = ci_var("GITHUB_TOKEN")
    if need_token and not token:
        raise UsageError(
            "GITHUB_TOKEN is not set",
            hint="in GitHub Actions pass `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` "
            "with `permissions: pull-requests: write`; elsewhere a token that may comment",
        )
    return Target("github", api_url or github.API_URL, repo, found, "GITHUB_TOKEN", token)


def _gitlab(ci_var: CiVar, repo: str | None, number: int | None, need_token: bool) -> Target:
    project = repo or ci_var("CI_MERGE_REQUEST_PROJECT_ID") or ci_var("CI_PROJECT_ID")
    if not project:
        raise UsageError(
            "no GitLab project to comment on",
            hint="pass --repo GROUP/NAME (GitLab CI sets CI_PROJECT_ID itself)",
        )
    iid = number
    if iid is None and ci_var("CI_MERGE_REQUEST_IID").isdigit():
        iid = int(ci_var("CI_MERGE_REQUEST_IID"))
    if iid is None:
        raise UsageError(
            "no merge-request number",
            hint="pass --pr N, or run the job in merge request pipelines "
            '(rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event")',
        )
    token = ci_var("GITLAB_TOKEN")
    if need_token and not token:
        job = " (CI_JOB_TOKEN cannot write merge-request notes)" if ci_var("CI_JOB_TOKEN") else ""
        raise UsageError(
            f"GITLAB_TOKEN is not set{job}",
            hint="save a project access token with the api scope as the masked CI/CD "
            "variable GITLAB_TOKEN",
        )
    api_url = ci_var("CI_API_V4_URL") or gitlab.API_URL
    return Target("gitlab", api_url, project, iid, "GITLAB_TOKEN", token)


def _first(urls: str) -> str:
    return urls.split(",")[0].strip()


def _event_number(path: str) -> int | None:
    """The pull-request number in the GitHub Actions event payload at ``path``."""
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(event, dict):
        return None
    for key in ("pull_request", "issue"):
        item = event.get(key)
        if isinstance(item, dict) and (key == "pull_request" or "pull_request" in item):
            value = item.get("number")
            if isinstance(value, int) and value > 0:
                return value
    return None


def _no_number_hint(ci_var: CiVar) -> str:
    event = ci_var("GITHUB_EVENT_NAME")
    if event:
        return f"pass --pr N; this GitHub Actions run is for a {event} event, not a pull request"
    if ci_var("CIRCLE_BUILD_NUM") or ci_var("CIRCLE_PROJECT_REPONAME"):
        return "pass --pr N; CircleCI sets CIRCLE_PULL_REQUEST only once a pull request is open"
    return "pass --pr N"


def append_summary(path: str, report: str) -> None:
    """Append ``report`` to the GitHub Actions job summary file at ``path``."""
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(report.rstrip("\n") + "\n\n")
    except OSError as exc:
        raise PublishError(
            f"cannot append the report to the job summary {path}: {exc.strerror or exc}"
        ) from None
