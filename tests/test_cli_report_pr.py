"""`imagekit report pr` through the command line, against the GitHub and GitLab stand-ins
(tests/support/forges.py): the URL or JSON on stdout, CI defaults from the environment, the
job summary, dry runs, exit codes 2 and 6 with one line, and the token never shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from imagekit.cli import cli, main
from imagekit.config import CI_PREFIXES
from imagekit.report.saved import markdown_from_files
from tests.report.size_examples import example_report
from tests.support.forges import BOT, GITHUB_TOKEN, GITLAB_TOKEN, FakeGitHub, FakeGitLab, serving

MARK = "<!-- imagekit:size-report -->"
SECRETS = (GITHUB_TOKEN, GITLAB_TOKEN)


@pytest.fixture(autouse=True)
def no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' own CI (if any) must not leak its variables into the runs."""
    for name in list(os.environ):
        if name.startswith(CI_PREFIXES) or name == "CI":
            monkeypatch.delenv(name)


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()
    with serving(fake) as url:
        yield fake, url
    assert fake.problems == []


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()
    with serving(fake) as url:
        yield fake, f"{url}/api/v4"
    assert fake.problems == []


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.md"
    path.write_text("## Image sizes\n\nsmaller by 2 MB\n", encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, ["report", "pr", *args], env=env, catch_exceptions=False)
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def gh_env(url: str, **more: str) -> dict[str, str]:
    return {"GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_API_URL": url, **more}


def one_line_error(result: Result, code: int, *parts: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0]
    return lines[0]


def test_create_prints_the_url_then_update_prints_json(
    github: tuple[FakeGitHub, str], report: Path
) -> None:
    fake, url = github
    args = ("--repo", "team/app", "--pr", "7", "--report", str(report))
    created = run(*args, env=gh_env(url))
    assert created.exit_code == 0, created.stderr
    comment = fake.comments[0]
    assert created.stdout == f"{comment['html_url']}\n"
    assert created.stderr == f"imagekit: created comment {comment['id']} on team/app #7\n"
    assert comment["body"] == f"{MARK}\n## Image sizes\n\nsmaller by 2 MB\n"
    updated = run(*args, "--format", "json", env=gh_env(url))
    assert json.loads(updated.stdout) == {
        "action": "updated",
        "id": comment["id"],
        "url": comment["html_url"],
    }
    assert fake.writes() == [
        "POST /repos/team/app/issues/7/comments",
        f"PATCH /repos/team/app/issues/comments/{comment['id']}",
    ]


def test_json_size_reports_are_rendered_with_markdown_files(
    github: tuple[FakeGitHub, str], report: Path, tmp_path: Path
) -> None:
    fake, url = github
    saved = tmp_path / "size-report.json"
    saved.write_text(json.dumps({"digest": "sha256:x", "size_report": example_report().to_dict()}))
    result = run(
        "--repo",
        "team/app",
        "--pr",
        "7",
        "--report",
        str(saved),
        "--report",
        str(report),
        env=gh_env(url),
    )
    assert result.exit_code == 0, result.stderr
    assert fake.comments[0]["body"] == f"{MARK}\n{markdown_from_files([saved, report])}"
    assert "team/app" in fake.comments[0]["body"]


def test_github_actions_defaults_and_the_job_summary(
    github: tuple[FakeGitHub, str], report: Path, tmp_path: Path
) -> None:
    fake, url = github
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"pull_request": {"number": 7}}), encoding="utf-8")
    summary = tmp_path / "step_summary.md"
    summary.write_text("## Lint\n\nclean\n\n", encoding="utf-8")
    env = gh_env(
        url,
        GITHUB_REPOSITORY="team/app",
        GITHUB_EVENT_PATH=str(payload),
        GITHUB_REF="refs/pull/7/merge",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    result = run("--report", str(report), env=env)
    assert result.exit_code == 0, result.stderr
    assert fake.writes() == ["POST /repos/team/app/issues/7/comments"]
    assert summary.read_text(encoding="utf-8") == (
        "## Lint\n\nclean\n\n## Image sizes\n\nsmaller by 2 MB\n\n"
    )


def test_circleci_defaults(github: tuple[FakeGitHub, str], report: Path) -> None:
    fake, url = github
    ours = fake.add(f"{MARK}\nold", BOT)
    env = gh_env(
        url,
        CIRCLE_PULL_REQUEST="https://github.com/team/app/pull/7",
        CIRCLE_PROJECT_USERNAME="team",
        CIRCLE_PROJECT_REPONAME="app",
    )
    result = run("--report", str(report), "--format", "json", env=env)
    assert json.loads(result.stdout)["id"] == ours
    assert fake.writes() == [f"PATCH /repos/team/app/issues/comments/{ours}"]


def test_gitlab_ci_defaults_create_then_update(
    gitlab: tuple[FakeGitLab, str], report: Path
) -> None:
    fake, api = gitlab
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": api,
        "CI_PROJECT_ID": "31",
        "CI_MERGE_REQUEST_IID": "5",
        "GITLAB_TOKEN": GITLAB_TOKEN,
        "CI_JOB_TOKEN": "job-token-not-used",
    }
    first = run("--report", str(report), "--format", "json", env=env)
    second = run("--report", str(report), "--format", "json", env=env)
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert (a["action"], b["action"], b["id"]) == ("created", "updated", a["id"])
    assert b["url"] == f"{fake.web_url}#note_{a['id']}"
    assert fake.writes() == [
        "POST /api/v4/projects/31/merge_requests/5/notes",
        f"PUT /api/v4/projects/31/merge_requests/5/notes/{a['id']}",
    ]
    assert all(r.header("JOB-TOKEN") is None for r in fake.requests)


def test_gitlab_flag_with_a_project_path(gitlab: tuple[FakeGitLab, str], report: Path) -> None:
    fake, api = gitlab
    env = {"GITLAB_TOKEN": GITLAB_TOKEN, "CI_API_V4_URL": api}
    result = run("--gitlab", "--repo", "group/app", "--pr", "5", "--report", str(report), env=env)
    assert result.exit_code == 0, result.stderr
    assert fake.writes() == ["POST /api/v4/projects/group%2Fapp/merge_requests/5/notes"]


def test_dry_run_sends_nothing(github: tuple[FakeGitHub, str], report: Path) -> None:
    fake, url = github
    args = ("--repo", "team/app", "--pr", "7", "--report", str(report), "--dry-run")
    text = run(*args, env=gh_env(url))
    assert text.exit_code == 0, text.stderr
    assert f"POST {url}/repos/team/app/issues/7/comments" in text.stdout
    assert "Authorization: Bearer [hidden]" in text.stdout
    assert text.stdout.endswith(f"{MARK}\n## Image sizes\n\nsmaller by 2 MB\n")
    shown = json.loads(run(*args, "--format", "json", env={"GITHUB_API_URL": url}).stdout)
    assert shown["action"] == "dry-run"
    assert [r["method"] for r in shown["requests"]] == ["GET", "GET", "PATCH", "POST"]
    assert shown["body"] == f"{MARK}\n## Image sizes\n\nsmaller by 2 MB\n"
    assert fake.requests == []


@pytest.mark.parametrize(
    ("args", "env", "parts"),
    [
        (
            ("--repo", "team/app", "--pr", "7"),
            {},
            ("GITHUB_TOKEN is not set", "secrets.GITHUB_TOKEN"),
        ),
        (
            ("--repo", "team/app"),
            {"GITHUB_TOKEN": "t", "GITHUB_EVENT_NAME": "push"},
            ("no pull-request number", "push event"),
        ),
        (("--pr", "7"), {"GITHUB_TOKEN": "t"}, ("no repository to comment on", "--repo")),
        (
            (),
            {"GITLAB_CI": "true", "CI_PROJECT_ID": "1", "CI_MERGE_REQUEST_IID": "1"},
            ("GITLAB_TOKEN is not set",),
        ),
    ],
)
def test_missing_inputs_are_exit_2(
    args: tuple[str, ...], env: dict[str, str], parts: tuple[str, ...], report: Path
) -> None:
    one_line_error(run("--report", str(report), *args, env=env), 2, *parts)


@pytest.mark.parametrize(
    ("args", "parts"),
    [
        (("--report", "missing.md"), ("cannot read missing.md",)),
        (("--marker", "a b"), ("bad marker name",)),
        (("--ca-cert", "/nonexistent/ca.pem"), ("--ca-cert",)),
    ],
)
def test_bad_flags_are_exit_2(args: tuple[str, ...], parts: tuple[str, ...], report: Path) -> None:
    base = ["--repo", "team/app", "--report", str(report)]
    if "--pr" not in args:
        base += ["--pr", "7"]
    one_line_error(run(*base, *args, env={"GITHUB_TOKEN": GITHUB_TOKEN}), 2, *parts)


def test_click_usage_errors_are_one_line_too(
    report: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    assert main(["report", "pr", "--repo", "team/app", "--pr", "0", "--report", str(report)]) == 2
    assert main(["report", "pr", "--repo", "team/app", "--pr", "7"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    first, second = captured.err.splitlines()
    assert "--pr" in first and "0 is not in the range" in first
    assert "--report" in second


@pytest.mark.parametrize(
    ("status", "body", "parts"),
    [
        (401, {"message": "Bad credentials"}, ("GitHub answered 401: the token was refused",)),
        (
            403,
            {"message": "Resource not accessible by integration"},
            ("403", "pull-requests: write"),
        ),
        (404, {"message": "Not Found"}, ("404", "no repository team/app with pull request #7")),
    ],
)
def test_forge_refusals_are_exit_6(
    github: tuple[FakeGitHub, str],
    report: Path,
    status: int,
    body: dict[str, str],
    parts: tuple[str, ...],
) -> None:
    fake, url = github
    fake.answer_next("GET", "/repos/", status, {}, body)
    result = run("--repo", "team/app", "--pr", "7", "--report", str(report), env=gh_env(url))
    line = one_line_error(result, 6, *parts)
    assert line.startswith("imagekit: error[publish]: ")
    assert fake.writes() == []


def test_a_rate_limit_beyond_max_wait_is_exit_6_at_once(
    github: tuple[FakeGitHub, str], report: Path
) -> None:
    fake, url = github
    reset = int(time.time()) + 3600
    fake.answer_next(
        "GET", "/user", 403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    )
    started = time.monotonic()
    result = run(
        "--repo",
        "team/app",
        "--pr",
        "7",
        "--report",
        str(report),
        "--max-wait",
        "5",
        env=gh_env(url),
    )
    assert time.monotonic() - started < 5
    one_line_error(result, 6, "rate limit", "resets at", "--max-wait 5")


def test_a_real_process_shows_one_line_and_no_token(
    github: tuple[FakeGitHub, str], report: Path
) -> None:
    fake, url = github
    fake.answer_next("POST", "/repos/", 401, {}, {"message": "Bad credentials"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(CI_PREFIXES)}
    env.update(gh_env(url), IMAGEKIT_DEBUG="")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "imagekit",
            "report",
            "pr",
            "--repo",
            "team/app",
            "--pr",
            "7",
            "--report",
            str(report),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 6, done.stderr
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "401: the token was refused" in done.stderr
    assert GITHUB_TOKEN not in done.stderr


def test_a_real_push_size_report_becomes_the_comment(
    registry: str, github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    """The chain the CI examples run: push to the test registry with --compare-to and
    --format json, then comment that file."""
    import uuid

    from imagekit.oci.layout import write_layout
    from tests.report.examples import example_image, old_image

    fake, url = github
    write_layout(old_image(), tmp_path / "layout", "1")
    write_layout(example_image(), tmp_path / "layout", "2")
    repo = f"{registry}/pr-comment-{uuid.uuid4().hex[:8]}"
    runner = CliRunner()
    main_push = runner.invoke(cli, ["push", f"oci:{tmp_path}/layout:1", f"{repo}:main"])
    assert main_push.exit_code == 0, main_push.stderr
    pushed = runner.invoke(
        cli,
        [
            "push",
            f"oci:{tmp_path}/layout:2",
            f"{repo}:pr-7",
            "--compare-to",
            f"{repo}:main",
            "--format",
            "json",
        ],
    )
    assert pushed.exit_code == 0, pushed.stderr
    saved = tmp_path / "size-report.json"
    saved.write_text(pushed.stdout, encoding="utf-8")
    result = run("--repo", "team/app", "--pr", "7", "--report", str(saved), env=gh_env(url))
    assert result.exit_code == 0, result.stderr
    body = fake.comments[0]["body"]
    assert body == f"{MARK}\n{markdown_from_files([saved])}"
    assert f"{repo}:pr-7".split("/", 1)[1] in body
