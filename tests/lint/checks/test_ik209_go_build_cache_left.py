"""IK209 go-build-cache-left: a Go build in a shipped stage keeps Go's build cache."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK209"
GOLANG = "FROM golang:1.22\nWORKDIR /src\n"


def _run(run: str, before: str = "") -> str:
    return f"{GOLANG}{before}RUN {run}\n"


def test_catalogue_bad_example_position() -> None:
    bad = load_catalog().get(RULE).bad
    [finding] = hits(bad, RULE, dedent=False)
    assert (finding.line, finding.column) == (4, 5)
    assert "~/.cache/go-build" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "go build ./...",
        "go build -o /usr/local/bin/app ./cmd/app",
        "CGO_ENABLED=0 go build -trimpath -o /app .",
        "go install ./cmd/tool",
        "go test ./...",
        "go run ./tools/gen",
        "go vet ./...",
        "go -C service build .",
        "/usr/local/go/bin/go build .",
        "sh -c 'go build .'",
        "go mod download && go build .",
        "go build . && go clean -modcache",
        "go build . && go clean -testcache",
        "go clean -cache && go build .",  # cleaned before, filled again after
        "go build . && rm -rf /root/.cache/pip",
    ],
)
def test_flags_builds_keeping_the_cache(run: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 3
    assert "~/.cache/go-build" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "go build . && go clean -cache",
        "go build . && go clean -cache -modcache",
        "go build . && go clean --cache",
        "go build . && rm -rf /root/.cache/go-build",
        "go build . && rm -rf ~/.cache",
        "go build . ; rm -rf $HOME/.cache/go-build",
        "--mount=type=cache,target=/root/.cache/go-build go build .",
        "--mount=type=cache,target=/root/.cache go build .",
        "--mount=type=tmpfs,target=/root/.cache/go-build go build .",
        "go version",
        "go env GOCACHE",
        "go mod download",
        "go mod tidy",
        "go fmt ./...",
        "go clean -cache",
        "gofmt -l .",
        "echo go build",
    ],
)
def test_does_not_flag(run: str) -> None:
    assert hits(_run(run), RULE) == []


def test_one_finding_per_run() -> None:
    assert lines(_run("go build ./a && go build ./b && go test ./..."), RULE) == [3]


def test_span_is_the_go_command() -> None:
    run = "RUN apt-get -v && go build ."
    assert run_spans(RULE, run, base=GOLANG) == [(3, 19, 29)]


def test_exec_form_and_continuations() -> None:
    assert lines(_run('["go", "build", "."]'), RULE) == [3]
    text = f"{GOLANG}RUN set -e \\\n    && go build \\\n       -o /app .\n"
    [finding] = hits(text, RULE)
    assert finding.line == 4


@pytest.mark.parametrize(
    ("before", "run", "where", "flagged"),
    [
        ("ENV GOCACHE=/tmp/gocache\n", "go build .", "/tmp/gocache", True),
        ("ENV GOCACHE=/tmp/gocache\n", "go build . && rm -rf /tmp/gocache", "", False),
        (
            "ENV GOCACHE=/tmp/gocache\n",
            "--mount=type=cache,target=/tmp/gocache go build .",
            "",
            False,
        ),
        # the cache mount is where the cache was, not where GOCACHE moved it
        (
            "ENV GOCACHE=/cache/go\n",
            "--mount=type=cache,target=/root/.cache/go-build go build .",
            "/cache/go",
            True,
        ),
        ("ARG GOCACHE=/tmp/gc\n", "go build .", "/tmp/gc", True),
        ("ENV XDG_CACHE_HOME=/xdg\n", "go build .", "/xdg/go-build", True),
        ("ENV XDG_CACHE_HOME=/xdg\n", "go build . && rm -rf /xdg", "", False),
        ("", "GOCACHE=/tmp/c go build . && rm -rf /tmp/c", "", False),
        ("USER gopher\n", "go build .", "~/.cache/go-build", True),
        (
            "USER gopher\n",
            "--mount=type=cache,target=/root/.cache/go-build go build .",
            "~/.cache/go-build",
            True,
        ),
        (
            "USER gopher\n",
            "--mount=type=cache,target=/home/gopher/.cache/go-build go build .",
            "",
            False,
        ),
    ],
)
def test_cache_location(before: str, run: str, where: str, flagged: bool) -> None:
    found = hits(_run(run, before), RULE)
    assert bool(found) == flagged
    if flagged:
        assert where in found[0].message


def test_build_stage_that_is_not_shipped() -> None:
    text = (
        "FROM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "RUN go build -o /out/app .\n"
        "FROM gcr.io/distroless/static-debian12\n"
        "COPY --from=build /out/app /app\n"
    )
    assert hits(text, RULE) == []
    assert lines(text, RULE, target="build") == [3]


def test_shipped_stage_built_from_a_build_stage() -> None:
    text = (
        "FROM golang:1.22 AS base\n"
        "RUN go install example.com/tool@v1.2.3\n"
        "FROM base\n"
        "RUN go build -o /app .\n"
    )
    assert lines(text, RULE) == [2, 4]
