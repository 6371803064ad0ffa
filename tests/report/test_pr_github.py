"""The sticky comment on GitHub, against a stand-in for its REST API that checks every
request (tests/support/forges.py): create, update across pages, markers, whose comment,
rate limits with an injected sleep, refusals, retries, redirects, TLS and secrecy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagekit.errors import PublishError
from imagekit.registry.transport import Transport
from imagekit.report.comment import dry_run, post_sticky
from imagekit.report.github import GitHub
from tests.support.forges import BOT, GITHUB_TOKEN, FakeGitHub, Sleeps, self_signed, serving

MARK = "<!-- imagekit:size-report -->"
REPORT = "## Image sizes\n\n| image | size |\n|---|---|\n| app | 12 MB |\n"
ALICE = {"login": "alice", "type": "User"}


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    double = FakeGitHub()
    yield double
    assert double.problems == []


@pytest.fixture
def url(fake: FakeGitHub) -> Iterator[str]:
    with serving(fake) as base:
        yield base


def github(url: str, sleeps: Sleeps | None = None, **options: object) -> GitHub:
    sleeps = sleeps or Sleeps()
    return GitHub(
        "team/app",
        7,
        token=GITHUB_TOKEN,
        api_url=url,
        clock=sleeps.clock,
        sleep=sleeps.sleep,
        **options,  # type: ignore[arg-type]
    )


def test_without_an_earlier_comment_one_is_created(fake: FakeGitHub, url: str) -> None:
    outcome = post_sticky(github(url), REPORT)
    assert outcome.action == "created"
    assert [r.target for r in fake.requests] == [
        "GET /user",
        "GET /repos/team/app/issues/7/comments",
        "POST /repos/team/app/issues/7/comments",
    ]
    post = fake.requests[-1]
    assert post.body == {"body": f"{MARK}\n{REPORT}"}
    assert post.header("Authorization") == f"Bearer {GITHUB_TOKEN}"
    assert outcome.id == fake.comments[-1]["id"]
    assert outcome.url == f"https://github.example/team/app/pull/7#issuecomment-{outcome.id}"


def test_the_earlier_comment_on_page_3_is_edited_and_nothing_else(
    fake: FakeGitHub, url: str
) -> None:
    for i in range(230):
        fake.add(f"comment {i}", ALICE)
    ours = fake.add(f"{MARK}\nold report", BOT)
    for i in range(20):
        fake.add(f"later {i}", ALICE)
    outcome = post_sticky(github(url), REPORT)
    assert (outcome.action, outcome.id) == ("updated", ours)
    gets = [(r.path, r.query.get("page")) for r in fake.requests if r.method == "GET"]
    assert gets == [
        ("/user", None),
        ("/repos/team/app/issues/7/comments", None),
        ("/repositories/4242/issues/7/comments", ["2"]),  # the Link header's URL, as given
        ("/repositories/4242/issues/7/comments", ["3"]),
    ]
    assert fake.writes() == [f"PATCH /repos/team/app/issues/comments/{ours}"]
    assert fake.requests[-1].body == {"body": f"{MARK}\n{REPORT}"}
    assert fake.body_of(ours) == f"{MARK}\n{REPORT}"
    assert fake.body_of(ours - 1) == "comment 229"


def test_a_second_run_edits_the_comment_the_first_made(fake: FakeGitHub, url: str) -> None:
    first = post_sticky(github(url), REPORT)
    second = post_sticky(github(url), REPORT.replace("12 MB", "11 MB"))
    assert (first.action, second.action, second.id) == ("created", "updated", first.id)
    assert len(fake.comments) == 1
    assert "11 MB" in fake.body_of(first.id)


def test_another_marker_leaves_the_size_report_alone(fake: FakeGitHub, url: str) -> None:
    size = fake.add(f"{MARK}\nsize report", BOT)
    arm = fake.add("<!-- imagekit:size-report-arm64 -->\narm report", BOT)
    outcome = post_sticky(github(url), "## arm64 sizes", "arm64")
    assert outcome.action == "created"
    assert fake.writes() == ["POST /repos/team/app/issues/7/comments"]
    assert fake.requests[-1].body == {"body": "<!-- imagekit:arm64 -->\n## arm64 sizes\n"}
    assert fake.body_of(size) == f"{MARK}\nsize report"
    assert fake.body_of(arm) == "<!-- imagekit:size-report-arm64 -->\narm report"
    again = post_sticky(github(url), "## arm64 sizes, again", "arm64")
    assert (again.action, again.id) == ("updated", outcome.id)
    assert fake.body_of(size) == f"{MARK}\nsize report"


def test_a_comment_quoting_the_marker_is_not_taken(fake: FakeGitHub, url: str) -> None:
    quoted = fake.add(f"Why does the bot write this?\n```\n{MARK}\n```", BOT)
    inline = fake.add(f"see `{MARK}`", BOT)
    glued = fake.add(f"{MARK}and more on the same line", BOT)
    outcome = post_sticky(github(url), REPORT)
    assert outcome.action == "created"
    assert fake.writes() == ["POST /repos/team/app/issues/7/comments"]
    assert [fake.body_of(i)[:5] for i in (quoted, inline, glued)] == ["Why d", "see `", MARK[:5]]


def test_an_app_token_takes_only_comments_by_bots(fake: FakeGitHub, url: str) -> None:
    """GITHUB_TOKEN may not ask GET /user (403): a person's comment that starts with the
    marker (pasted from the bot's) is left alone, the bot's is edited."""
    pasted = fake.add(f"{MARK}\nI copied the report here", ALICE)
    ours = fake.add(f"{MARK}\nold", BOT)
    outcome = post_sticky(github(url), REPORT)
    assert fake.requests[0].target == "GET /user"
    assert (outcome.action, outcome.id) == ("updated", ours)
    assert fake.body_of(pasted) == f"{MARK}\nI copied the report here"


def test_a_known_token_user_takes_only_its_own_comments(fake: FakeGitHub, url: str) -> None:
    fake.me = "size-bot"
    other_bot = fake.add(f"{MARK}\nby another bot", BOT)
    mine = fake.add(f"{MARK}\nmine", {"login": "size-bot", "type": "User"})
    outcome = post_sticky(github(url), REPORT)
    assert (outcome.action, outcome.id) == ("updated", mine)
    assert fake.body_of(other_bot) == f"{MARK}\nby another bot"
    assert fake.writes() == [f"PATCH /repos/team/app/issues/comments/{mine}"]


def test_the_oldest_of_duplicates_is_edited(fake: FakeGitHub, url: str) -> None:
    first = fake.add(f"{MARK}\none", BOT)
    second = fake.add(f"{MARK}\ntwo", BOT)
    assert post_sticky(github(url), REPORT).id == first
    assert fake.body_of(second) == f"{MARK}\ntwo"


def test_429_with_retry_after_is_waited_out(fake: FakeGitHub, url: str) -> None:
    fake.answer_next("GET", "/repos/team/app/issues/7/comments", 429, {"Retry-After": "7"})
    sleeps = Sleeps()
    outcome = post_sticky(github(url, sleeps), REPORT)
    assert outcome.action == "created"
    assert sleeps.waits == [7.0]
    listing = [r for r in fake.requests if r.path.endswith("/comments") and r.method == "GET"]
    assert len(listing) == 2


def test_403_with_no_requests_left_waits_until_the_reset(fake: FakeGitHub, url: str) -> None:
    sleeps = Sleeps()
    reset = str(int(sleeps.now) + 30)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    fake.answer_next(
        "POST",
        "/repos/team/app/issues/7/comments",
        403,
        headers,
        {"message": "API rate limit exceeded"},
    )
    outcome = post_sticky(github(url, sleeps), REPORT)
    assert outcome.action == "created"
    assert sleeps.waits == [31.0]
    assert fake.writes() == ["POST /repos/team/app/issues/7/comments"] * 2
    assert len(fake.comments) == 1


def test_a_secondary_rate_limit_without_headers_waits_a_minute(fake: FakeGitHub, url: str) -> None:
    message = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
    fake.answer_next("GET", "/repos/", 403, {}, message)
    sleeps = Sleeps()
    post_sticky(github(url, sleeps, max_wait=120), REPORT)
    assert sleeps.waits == [60.0]


def test_a_rate_limit_beyond_the_bound_is_one_line_saying_when_it_resets(
    fake: FakeGitHub, url: str
) -> None:
    sleeps = Sleeps()  # 2024-05-01 12:00:00 UTC
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(sleeps.now) + 3599)}
    fake.answer_next("GET", "/repos/", 429, headers)
    with pytest.raises(PublishError) as raised:
        post_sticky(github(url, sleeps), REPORT)
    line = raised.value.format()
    assert "\n" not in line
    assert "rate limit" in line and "2024-05-01 13:00:00 UTC" in line and "--max-wait 60" in line
    assert sleeps.waits == []
    assert fake.writes() == []


def test_the_bound_holds_for_the_whole_run(fake: FakeGitHub, url: str) -> None:
    fake.answer_next("GET", "/user", 429, {"Retry-After": "40"})
    fake.answer_next("GET", "/repos/", 429, {"Retry-After": "40"})
    sleeps = Sleeps()
    with pytest.raises(PublishError, match="more than the 20 s left to wait"):
        post_sticky(github(url, sleeps), REPORT)
    assert sleeps.waits == [40.0]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"message": "Bad credentials"}, "GitHub answered 401: the token was refused"),
        (
            403,
            {"message": "Resource not accessible by integration"},
            "GitHub answered 403: the token lacks the permission to comment",
        ),
    ],
)
def test_refusals_are_one_line_publish_errors(
    fake: FakeGitHub, url: str, status: int, body: dict[str, str], expected: str
) -> None:
    fake.answer_next("POST", "/repos/team/app/issues/7/comments", status, {}, body)
    with pytest.raises(PublishError) as raised:
        post_sticky(github(url), REPORT)
    line = raised.value.format()
    assert expected in line and body["message"] in line
    assert "\n" not in line and GITHUB_TOKEN not in line
    assert raised.value.exit_code == 6
    if status == 403:
        assert "pull-requests: write" in line


def test_a_wrong_token_is_refused_at_the_first_request(fake: FakeGitHub, url: str) -> None:
    forge = GitHub("team/app", 7, token="ghp_wrong", api_url=url)
    with pytest.raises(PublishError) as raised:
        post_sticky(forge, REPORT)
    assert "401: the token was refused" in raised.value.format()
    assert "check GITHUB_TOKEN" in raised.value.format()
    assert [r.target for r in fake.requests] == ["GET /user"]


@pytest.mark.parametrize(("repo", "number"), [("team/other", 7), ("team/app", 8)])
def test_a_wrong_repository_or_pull_request_is_404(
    fake: FakeGitHub, url: str, repo: str, number: int
) -> None:
    forge = GitHub(repo, number, token=GITHUB_TOKEN, api_url=url)
    with pytest.raises(PublishError) as raised:
        post_sticky(forge, REPORT)
    assert f"GitHub answered 404: no repository {repo} with pull request #{number}" in str(
        raised.value
    )
    assert "--repo and --pr" in raised.value.format()
    assert fake.writes() == []


def test_a_5xx_is_retried_for_reads_but_a_post_is_never_repeated(
    fake: FakeGitHub, url: str
) -> None:
    fake.answer_next("GET", "/repos/", 502, {})
    fake.answer_next("POST", "/repos/", 502, {})
    sleeps = Sleeps()
    with pytest.raises(PublishError, match="GitHub answered 502"):
        post_sticky(github(url, sleeps), REPORT)
    assert sleeps.waits == [1.0]
    assert fake.writes() == ["POST /repos/team/app/issues/7/comments"]


def test_a_next_page_on_another_host_is_refused(fake: FakeGitHub, url: str) -> None:
    link = '<http://127.0.0.2:9/repositories/4242/issues/7/comments?page=2>; rel="next"'
    fake.answer_next("GET", "/repos/", 200, {"Link": link}, [])
    with pytest.raises(PublishError, match=r"another host .* the token is not sent there"):
        post_sticky(github(url), REPORT)
    assert fake.writes() == []


def test_a_redirect_on_the_api_host_is_followed(fake: FakeGitHub, url: str) -> None:
    """A renamed repository: GitHub answers 301 to its new /repositories/ID address."""
    ours = fake.add(f"{MARK}\nold", BOT)
    moved = f"{url}/repositories/4242/issues/7/comments?per_page=100"
    fake.answer_next("GET", "/repos/", 301, {"Location": moved})
    assert post_sticky(github(url), REPORT).id == ours


def test_https_with_a_private_ca(fake: FakeGitHub, tmp_path: Path) -> None:
    import ssl

    server_context, ca_file = self_signed(tmp_path)
    with serving(fake, "/api/v3", tls=server_context) as base:
        with pytest.raises(PublishError, match=r"unreachable.*CERTIFICATE_VERIFY_FAILED"):
            post_sticky(GitHub("team/app", 7, token=GITHUB_TOKEN, api_url=base), REPORT)
        assert fake.requests == []
        fake.problems.clear()
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=ca_file)
        forge = GitHub(
            "team/app",
            7,
            token=GITHUB_TOKEN,
            api_url=base,
            transport=Transport(ssl_context=context),
        )
        assert post_sticky(forge, REPORT).action == "created"
    assert fake.requests[0].full_path == "/api/v3/user"


def test_a_report_over_the_limit_is_cut_with_a_note(fake: FakeGitHub, url: str) -> None:
    rows = "".join(f"| layer {i} | {i} kB |\n" for i in range(6000))
    report = f"## sizes\n\n<details>\n\n```\n{rows}```\n</details>\n"
    post_sticky(github(url), report)
    body = fake.requests[-1].body["body"]
    assert len(report) > 65536 >= len(body) > 60000
    assert body.startswith(MARK + "\n## sizes")
    assert "**Report truncated**" in body and "65,536" in body
    assert body.count("```") % 2 == 0


def test_the_token_is_in_no_repr_and_a_dry_run_sends_nothing(fake: FakeGitHub, url: str) -> None:
    forge = github(url)
    plan = dry_run(forge, REPORT)
    assert fake.requests == []
    shown = json.dumps([repr(forge), repr(forge.api), repr(plan)])
    assert GITHUB_TOKEN not in shown
    assert ("Authorization", "Bearer [hidden]") in plan.headers
    assert [m for m, _, _ in plan.requests] == ["GET", "GET", "PATCH", "POST"]
    assert plan.body == f"{MARK}\n{REPORT}"


def test_an_api_that_does_not_answer_is_tried_three_times_then_one_line() -> None:
    from tests.registry.double import free_port

    sleeps = Sleeps()
    forge = github(f"http://127.0.0.1:{free_port()}", sleeps)
    with pytest.raises(PublishError) as raised:
        post_sticky(forge, REPORT)
    assert "the GitHub API at 127.0.0.1:" in str(raised.value)
    assert "is unreachable" in str(raised.value)
    assert sleeps.waits == [1.0, 2.0]


def test_a_forge_that_keeps_rate_limiting_is_given_up_on(fake: FakeGitHub, url: str) -> None:
    for _ in range(6):
        fake.answer_next("GET", "/user", 429, {"Retry-After": "1"})
    sleeps = Sleeps()
    with pytest.raises(PublishError, match=r"still rate limiting .* after 5 waits"):
        post_sticky(github(url, sleeps), REPORT)
    assert sleeps.waits == [1.0] * 5
