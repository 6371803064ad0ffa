"""Where the comment goes when the flags do not say: GitHub Actions (event payload, ref),
CircleCI (the pull request's URL), GitLab CI; what is missing is a one-line UsageError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagekit.config import from_env
from imagekit.errors import PublishError, UsageError
from imagekit.report.cienv import Target, append_summary, resolve


def event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_github_actions_pull_request_event(tmp_path: Path) -> None:
    path = event(tmp_path, {"action": "synchronize", "number": 41, "pull_request": {"number": 41}})
    target = resolve(
        from_env(
            {
                "GITHUB_EVENT_PATH": path,
                "GITHUB_REPOSITORY": "team/app",
                "GITHUB_TOKEN": "t0k",
                "GITHUB_REF": "refs/heads/feature",
            }
        ).ci_var
    )
    assert target == Target(
        "github", "https://api.github.com", "team/app", 41, "GITHUB_TOKEN", "t0k"
    )
    assert "t0k" not in repr(target)


def test_an_issue_comment_on_a_pull_request_and_the_ref_fallback(tmp_path: Path) -> None:
    commented = event(tmp_path, {"issue": {"number": 12, "pull_request": {"url": "..."}}})
    env = {"GITHUB_REPOSITORY": "team/app", "GITHUB_TOKEN": "t"}
    assert resolve(from_env({**env, "GITHUB_EVENT_PATH": commented}).ci_var).number == 12
    issue_only = event(tmp_path, {"issue": {"number": 13}})
    with pytest.raises(UsageError):
        resolve(from_env({**env, "GITHUB_EVENT_PATH": issue_only}).ci_var)
    ref = {**env, "GITHUB_REF": "refs/pull/77/merge", "GITHUB_EVENT_PATH": str(tmp_path / "gone")}
    assert resolve(from_env(ref).ci_var).number == 77


def test_github_enterprise_api_url_and_flags_win(tmp_path: Path) -> None:
    env = {
        "GITHUB_REPOSITORY": "team/app",
        "GITHUB_REF": "refs/pull/3/merge",
        "GITHUB_API_URL": "https://ghe.example/api/v3",
        "GITHUB_TOKEN": "t",
    }
    target = resolve(from_env(env).ci_var, repo="other/repo", number=9)
    assert (target.api_url, target.repo, target.number) == (
        "https://ghe.example/api/v3",
        "other/repo",
        9,
    )


def test_circleci_pull_request_url() -> None:
    env = {
        "CIRCLE_PULL_REQUEST": "https://github.com/team/app/pull/58",
        "CIRCLE_PROJECT_USERNAME": "team",
        "CIRCLE_PROJECT_REPONAME": "app",
        "GITHUB_TOKEN": "t",
    }
    target = resolve(from_env(env).ci_var)
    assert (target.forge, target.api_url, target.repo, target.number) == (
        "github",
        "https://api.github.com",
        "team/app",
        58,
    )


def test_circleci_on_github_enterprise_and_the_plural_variable() -> None:
    env = {
        "CIRCLE_PULL_REQUESTS": "https://git.corp.example/infra/images/pull/4,https://git.corp.example/infra/images/pull/9",
        "GITHUB_TOKEN": "t",
    }
    target = resolve(from_env(env).ci_var)
    assert (target.api_url, target.repo, target.number) == (
        "https://git.corp.example/api/v3",
        "infra/images",
        4,
    )


def test_gitlab_ci_merge_request_pipeline() -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": "https://gitlab.example/api/v4",
        "CI_PROJECT_ID": "31",
        "CI_MERGE_REQUEST_IID": "5",
        "GITLAB_TOKEN": "glpat",
        "GITHUB_TOKEN": "not this one",
    }
    assert resolve(from_env(env).ci_var) == Target(
        "gitlab", "https://gitlab.example/api/v4", "31", 5, "GITLAB_TOKEN", "glpat"
    )
    flagged = resolve(
        from_env({"GITLAB_TOKEN": "g"}).ci_var, repo="group/app", number=2, gitlab_forge=True
    )
    assert (flagged.api_url, flagged.repo, flagged.number) == (
        "https://gitlab.com/api/v4",
        "group/app",
        2,
    )


@pytest.mark.parametrize(
    ("env", "message", "hint"),
    [
        (
            {"GITHUB_REPOSITORY": "a/b", "GITHUB_REF": "refs/pull/1/merge"},
            "GITHUB_TOKEN is not set",
            "pull-requests: write",
        ),
        (
            {"GITHUB_REPOSITORY": "a/b", "GITHUB_TOKEN": "t", "GITHUB_EVENT_NAME": "push"},
            "no pull-request number",
            "push event",
        ),
        (
            {"CIRCLE_PROJECT_REPONAME": "b", "CIRCLE_PROJECT_USERNAME": "a", "GITHUB_TOKEN": "t"},
            "no pull-request number",
            "CIRCLE_PULL_REQUEST",
        ),
        ({"GITHUB_TOKEN": "t"}, "no repository to comment on", "--repo OWNER/NAME"),
        (
            {
                "GITLAB_CI": "true",
                "CI_PROJECT_ID": "1",
                "CI_MERGE_REQUEST_IID": "2",
                "CI_JOB_TOKEN": "j",
            },
            "GITLAB_TOKEN is not set (CI_JOB_TOKEN cannot write merge-request notes)",
            "api scope",
        ),
        (
            {"GITLAB_CI": "true", "CI_PROJECT_ID": "1", "GITLAB_TOKEN": "g"},
            "no merge-request number",
            "merge_request_event",
        ),
    ],
)
def test_what_is_missing_is_named(env: dict[str, str], message: str, hint: str) -> None:
    with pytest.raises(UsageError) as raised:
        resolve(from_env(env).ci_var)
    assert raised.value.message == message
    assert hint in (raised.value.hint or "")
    assert "\n" not in raised.value.format()


def test_no_token_is_needed_for_a_dry_run() -> None:
    env = {"GITHUB_REPOSITORY": "a/b", "GITHUB_REF": "refs/pull/1/merge"}
    assert resolve(from_env(env).ci_var, need_token=False).token == ""


def test_a_repository_that_is_not_owner_slash_name_is_refused() -> None:
    with pytest.raises(UsageError, match="is not OWNER/NAME"):
        resolve(from_env({"GITHUB_TOKEN": "t"}).ci_var, repo="a/b/c", number=1)


def test_the_job_summary_is_appended_to(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# lint\n\n", encoding="utf-8")
    append_summary(str(summary), "## sizes\n")
    append_summary(str(summary), "## more")
    assert summary.read_text(encoding="utf-8") == "# lint\n\n## sizes\n\n## more\n\n"
    with pytest.raises(PublishError, match="cannot append the report to the job summary"):
        append_summary(str(tmp_path), "x")
