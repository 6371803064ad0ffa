"""The CI examples in examples/ci/ are valid YAML, run the size report only for pull
(merge) requests with the permission it needs, and every ``imagekit`` command line in them
(and in their README) names commands, options and choices that the real command line has:
each is parsed by click's own parser for that command, so an option that does not exist
yet fails here until it does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from tests.support.cli_lines import check, commands

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "ci"
FILES = ("github-actions.yml", "circleci-config.yml", "gitlab-ci.yml")
#: Keys whose values are shell scripts: GitHub `run`, CircleCI `run`/`command`, GitLab scripts.
SCRIPT_KEYS = frozenset({"run", "command", "script", "before_script", "after_script"})


def load(name: str) -> Any:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def scripts(node: Any, key: str = "") -> Iterator[str]:
    """Every shell script in a parsed CI file."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from scripts(v, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from scripts(item, key)
    elif isinstance(node, str) and key in SCRIPT_KEYS:
        yield node


def readme_commands() -> Iterator[list[str]]:
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        yield from commands(block)


def example_commands() -> list[tuple[str, list[str]]]:
    found = [(name, words) for name in FILES for s in scripts(load(name)) for words in commands(s)]
    return found + [("README.md", words) for words in readme_commands()]


CASES = example_commands()


@pytest.mark.parametrize(
    "words", [w for _, w in CASES], ids=[f"{f}:{' '.join(w[:3])}" for f, w in CASES]
)
def test_every_imagekit_command_line_is_one_the_cli_takes(words: list[str]) -> None:
    check(words)


def test_the_examples_run_the_whole_chain() -> None:
    """Each CI file lints, logs in, pushes with a size report and comments: the steps the
    README promises (so the parametrized test above has them all to check)."""
    for name in FILES:
        subcommands = {" ".join(w[1:3]) for f, w in CASES if f == name}
        assert {"registry login", "report pr"} <= subcommands, name
        assert any(s.startswith("lint ") for s in subcommands), name
        assert any(s.startswith("push ") for s in subcommands), name
        pushes = [w for f, w in CASES if f == name and w[1] == "push"]
        assert all("--compare-to" in w and w[w.index("--format") + 1] == "json" for w in pushes)


def test_the_checker_refuses_what_the_cli_does_not_have() -> None:
    for bad in (
        ["imagekit", "report", "comment"],
        ["imagekit", "report", "pr", "--report", "x", "--no-such-flag"],
        ["imagekit", "report", "pr"],
        ["imagekit", "lint", "--format", "yaml", "."],
        ["imagekit", "registry", "login", "a", "b"],
    ):
        with pytest.raises((AssertionError, click.UsageError)):
            check(bad)


def test_github_actions_comments_only_on_pull_requests_with_the_permission() -> None:
    workflow = load("github-actions.yml")
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads the key `on` as true
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["size"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert jobs["lint"]["permissions"]["security-events"] == "write"
    steps = jobs["size"]["steps"]
    comment = next(s for s in steps if "imagekit report pr" in s.get("run", ""))
    assert comment["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    uploads = [s for s in jobs["lint"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["sarif_file"] == "imagekit.sarif"
    for script in scripts(workflow):
        assert "${{" not in script, "expressions go through env:, not into run scripts"


def test_circleci_stops_the_size_job_outside_pull_requests() -> None:
    config = load("circleci-config.yml")
    assert config["version"] == 2.1
    steps = config["jobs"]["size"]["steps"]
    first = steps[0]["run"]["command"]
    assert 'if [ -z "$CIRCLE_PULL_REQUEST" ]' in first and "circleci-agent step halt" in first
    assert config["workflows"]["images"]["jobs"][1]["size"]["context"] == "imagekit"


def test_gitlab_runs_in_merge_request_pipelines_with_a_gitlab_token() -> None:
    config = load("gitlab-ci.yml")
    for job in ("lint", "size"):
        assert config[job]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert config["lint"]["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json"}
    assert "GITLAB_TOKEN" in (EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8")
