"""The sticky comment on a GitLab merge request, against a stand-in for the notes API that
checks every request (tests/support/forges.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imagekit.errors import PublishError
from imagekit.report.comment import dry_run, post_sticky
from imagekit.report.gitlab import GitLab
from tests.support.forges import GITLAB_TOKEN, FakeGitLab, Sleeps, serving

MARK = "<!-- imagekit:size-report -->"
REPORT = "## Image sizes\n\nall smaller\n"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    double = FakeGitLab()
    yield double
    assert double.problems == []


@pytest.fixture
def api(fake: FakeGitLab) -> Iterator[str]:
    with serving(fake) as base:
        yield f"{base}/api/v4"


def gitlab(api: str, project: str = "31", sleeps: Sleeps | None = None, iid: int = 5) -> GitLab:
    sleeps = sleeps or Sleeps()
    return GitLab(
        project, iid, token=GITLAB_TOKEN, api_url=api, clock=sleeps.clock, sleep=sleeps.sleep
    )


def test_without_an_earlier_note_one_is_created(fake: FakeGitLab, api: str) -> None:
    outcome = post_sticky(gitlab(api), REPORT)
    assert outcome.action == "created"
    assert [r.target for r in fake.requests] == [
        "GET /api/v4/user",
        "GET /api/v4/projects/31/merge_requests/5/notes",
        "POST /api/v4/projects/31/merge_requests/5/notes",
        "GET /api/v4/projects/31/merge_requests/5",
    ]
    post = fake.requests[2]
    assert post.body == {"body": f"{MARK}\n{REPORT}"}
    assert post.header("PRIVATE-TOKEN") == GITLAB_TOKEN
    assert outcome.url == f"{fake.web_url}#note_{outcome.id}"


@pytest.mark.parametrize("links", [True, False], ids=["link-header", "x-next-page-only"])
def test_the_earlier_note_on_page_2_is_updated_in_place(
    fake: FakeGitLab, api: str, links: bool
) -> None:
    fake.links = links
    fake.add("CI passed", "project_31_bot", system=False)
    fake.add(f"{MARK}\nold report", "alice")  # a person's note is never ours
    for i in range(120):
        fake.add(f"added {i} commits", "alice", system=True)
    fake.add(f"{MARK}\nsystem notes never are", "project_31_bot", system=True)
    ours = fake.add(f"{MARK}\nold report", "project_31_bot")
    outcome = post_sticky(gitlab(api, project="group/app"), REPORT)
    assert (outcome.action, outcome.id) == ("updated", ours)
    pages = [r.query.get("page") for r in fake.requests if r.path.endswith("/notes")]
    assert pages == [None, ["2"]]
    assert fake.writes() == [f"PUT /api/v4/projects/group%2Fapp/merge_requests/5/notes/{ours}"]
    assert fake.body_of(ours) == f"{MARK}\n{REPORT}"
    assert outcome.url == f"{fake.web_url}#note_{ours}"


def test_a_different_marker_is_another_note(fake: FakeGitLab, api: str) -> None:
    size = fake.add(f"{MARK}\nsize", "project_31_bot")
    outcome = post_sticky(gitlab(api), "lint summary", "lint")
    assert outcome.action == "created"
    assert fake.body_of(size) == f"{MARK}\nsize"
    assert fake.body_of(outcome.id) == "<!-- imagekit:lint -->\nlint summary\n"


def test_429_is_waited_out(fake: FakeGitLab, api: str) -> None:
    sleeps = Sleeps()
    reset = str(int(sleeps.now) + 9)
    fake.answer_next("POST", "/api/v4/projects/", 429, {"RateLimit-Reset": reset})
    outcome = post_sticky(gitlab(api, sleeps=sleeps), REPORT)
    assert outcome.action == "created"
    assert sleeps.waits == [10.0]
    assert len(fake.notes) == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "GitLab answered 401: the token was refused"),
        (403, "GitLab answered 403: the token may not comment here"),
    ],
)
def test_refusals(fake: FakeGitLab, api: str, status: int, expected: str) -> None:
    fake.answer_next("POST", "/api/v4/projects/", status, {}, {"message": f"{status} Forbidden"})
    with pytest.raises(PublishError) as raised:
        post_sticky(gitlab(api), REPORT)
    line = raised.value.format()
    assert expected in line and "\n" not in line and GITLAB_TOKEN not in line


def test_a_wrong_merge_request_is_404(fake: FakeGitLab, api: str) -> None:
    with pytest.raises(PublishError, match="no project 31 with merge request !6"):
        post_sticky(gitlab(api, iid=6), REPORT)
    assert fake.writes() == []


def test_a_refused_token_at_get_user_is_an_error(fake: FakeGitLab, api: str) -> None:
    forge = GitLab("31", 5, token="glpat-wrong", api_url=api)
    with pytest.raises(PublishError, match="401: the token was refused"):
        post_sticky(forge, REPORT)


def test_a_token_that_may_not_ask_who_it_is_takes_any_authors_note(
    fake: FakeGitLab, api: str
) -> None:
    """GitLab cannot say whether an author is a bot: with GET /user refused, the marker at
    the start of a non-system note decides."""
    fake.me = None
    ours = fake.add(f"{MARK}\nold", "ci-user")
    assert post_sticky(gitlab(api), REPORT).id == ours


def test_dry_run_sends_nothing_and_hides_the_token(fake: FakeGitLab, api: str) -> None:
    plan = dry_run(gitlab(api), REPORT)
    assert fake.requests == []
    assert ("PRIVATE-TOKEN", "[hidden]") in plan.headers
    assert GITLAB_TOKEN not in repr(plan) + repr(gitlab(api)) + repr(gitlab(api).api)
    assert plan.requests[1][1].endswith("/notes?sort=asc&order_by=created_at&per_page=100")
