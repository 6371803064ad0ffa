"""IK301 executable-without-ca-bundle: a program shipped on a base with no CA certificates."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK301"

GO_BUILD = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
"""


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    assert hits(rule.bad, RULE, dedent=False)
    assert not hits(rule.good, RULE, dedent=False)


@pytest.mark.parametrize(
    "base", ["scratch", "busybox", "busybox:1.36-musl", "debian:bookworm-slim", "ubuntu:24.04"]
)
def test_binary_on_a_base_without_bundle(base: str) -> None:
    text = GO_BUILD + f'FROM {base}\nCOPY --from=build /out/app /app\nENTRYPOINT ["/app"]\n'
    found = hits(text, RULE, dedent=False)
    assert [f.line for f in found] == [6]
    message = found[0].message
    assert "x509: failed to load system roots and no roots provided" in message
    assert "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/" in message
    assert base in message
    assert found[0].severity.value == "error"


@pytest.mark.parametrize(
    "base",
    [
        "gcr.io/distroless/static-debian12",
        "gcr.io/distroless/static-debian12:nonroot",
        "alpine:3.20",
        "cgr.dev/chainguard/static",
        "python:3.12-slim",
        "registry.example.com/team/unknown-base:1",
        "node:20-slim",  # Node carries its own roots
    ],
)
def test_bases_with_a_bundle_or_their_own_roots(base: str) -> None:
    text = GO_BUILD + f"FROM {base}\nCOPY --from=build /out/app /app\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "bundle",
    [
        "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/",
        "COPY --from=build /etc/ssl/certs /etc/ssl/certs",
        "COPY --from=alpine:3.20 /etc/ssl/cert.pem /etc/ssl/cert.pem",
        "COPY --from=build /etc/pki/tls/certs/ca-bundle.crt /etc/pki/tls/certs/",
        "COPY certs/ca-certificates.crt /usr/local/share/",
        "COPY --from=build / /",
        'COPY ["ca-bundle.crt", "/etc/pki/tls/certs/"]',
    ],
)
def test_a_copied_bundle_satisfies_the_rule(bundle: str) -> None:
    text = GO_BUILD + f"FROM scratch\n{bundle}\nCOPY --from=build /out/app /app\n"
    assert lines(text, RULE, dedent=False) == []


def test_bundle_copied_after_the_program_counts_too() -> None:
    text = (
        GO_BUILD
        + "FROM scratch\nCOPY --from=build /out/app /app\n"
        + "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n"
    )
    assert lines(text, RULE, dedent=False) == []


def test_ssl_cert_file_pointing_at_a_copied_bundle() -> None:
    text = GO_BUILD + (
        "FROM scratch\n"
        "COPY --from=build /out/ca.pem /certs/ca.pem\n"
        "ENV SSL_CERT_FILE=/certs/ca.pem\n"
        "COPY --from=build /out/app /app\n"
    )
    assert lines(text, RULE, dedent=False) == []


def test_ssl_cert_file_pointing_at_nothing_copied_is_no_bundle() -> None:
    text = GO_BUILD + (
        "FROM scratch\nENV SSL_CERT_FILE=/certs/ca.pem\nCOPY --from=build /out/app /app\n"
    )
    assert lines(text, RULE, dedent=False) == [7]


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates",
        "RUN apt-get update && apt-get install -y curl",  # curl recommends ca-certificates
        "RUN apt-get update && apt-get install -y --no-install-recommends python3-pip",
        "RUN <<EOF\napt-get update\napt-get install -y --no-install-recommends ca-certificates\nEOF",
        "RUN sh -c 'apt-get update && apt-get install -y ca-certificates=20230311'",
    ],
)
def test_debian_runtime_that_installs_the_bundle(run: str) -> None:
    text = GO_BUILD + f"FROM debian:bookworm-slim\n{run}\nCOPY --from=build /out/app /app\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get update && apt-get install -y --no-install-recommends curl",
        "RUN apt-get update && apt-get install -y -o APT::Install-Recommends=false wget",
        "RUN apt-get update && apt-get install -y tzdata",
        "RUN echo 'apt-get install -y ca-certificates'",
    ],
)
def test_debian_runtime_installs_that_leave_no_bundle(run: str) -> None:
    text = GO_BUILD + f"FROM debian:bookworm-slim\n{run}\nCOPY --from=build /out/app /app\n"
    assert lines(text, RULE, dedent=False) == [7]


@pytest.mark.parametrize(
    "copy",
    [
        "COPY --from=build /etc/passwd /etc/passwd",
        "COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo",
        "COPY config.yaml /config.yaml",
        "COPY static/index.html static/site.css /www/",
        "COPY <<EOF /etc/app.conf\nport=8080\nEOF",
        "COPY LICENSE /LICENSE",
    ],
)
def test_data_alone_is_not_a_program(copy: str) -> None:
    assert lines(f"FROM scratch\n{copy}\n", RULE, dedent=False) == []


@pytest.mark.parametrize(
    "copy",
    [
        "COPY app /usr/local/bin/",
        "COPY --chmod=755 bin/server /server",
        "ADD https://example.com/releases/tool-linux-amd64 /usr/local/bin/tool",
        "COPY dist/ /srv/",
        'COPY ["bin/app", "/app"]',
    ],
)
def test_copied_programs(copy: str) -> None:
    assert lines(f"FROM busybox:1.36\n{copy}\n", RULE, dedent=False) == [2]


def test_reported_at_the_last_program_copy() -> None:
    text = GO_BUILD + (
        "FROM scratch\n"
        "COPY --from=build /out/app /app\n"
        "COPY --from=build /etc/passwd /etc/passwd\n"
        "COPY --from=build /out/migrate /migrate\n"
        'ENTRYPOINT ["/app"]\n'
    )
    found = hits(text, RULE, dedent=False)
    assert [(f.line, f.column) for f in found] == [(8, 1)]
    assert "/out/migrate" in found[0].message


def test_base_image_from_a_local_archive_is_not_judged() -> None:
    text = "FROM scratch\nADD rootfs.tar.gz /\nCOPY app /app\n"
    assert lines(text, RULE, dedent=False) == []


def test_only_the_shipped_chain_counts() -> None:
    # The builder stage on scratch has a program but does not ship.
    text = """
        FROM scratch AS tools
        COPY tool /tool

        FROM alpine:3.20
        COPY --from=tools /tool /usr/local/bin/tool
    """
    assert lines(text, RULE) == []


def test_program_copied_in_a_shipped_ancestor_stage() -> None:
    text = """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .

        FROM scratch AS base
        COPY --from=build /out/app /app

        FROM base
        USER 65534
    """
    assert lines(text, RULE) == [5]


def test_bundle_in_a_shipped_ancestor_stage() -> None:
    text = """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .

        FROM scratch AS base
        COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/

        FROM base
        COPY --from=build /out/app /app
    """
    assert lines(text, RULE) == []


def test_target_selects_the_shipped_image() -> None:
    text = """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .

        FROM scratch AS bare
        COPY --from=build /out/app /app

        FROM gcr.io/distroless/static-debian12 AS release
        COPY --from=build /out/app /app
    """
    assert lines(text, RULE) == []
    assert lines(text, RULE, target="bare") == [5]


@pytest.mark.parametrize(
    ("preamble", "base", "expected"),
    [
        ("ARG BASE=scratch\n", "${BASE}", [3]),
        ("ARG BASE\n", "${BASE}", []),  # unresolved: not judged
        ("ARG BASE=alpine:3.20\n", "$BASE", []),
    ],
)
def test_build_arg_bases(preamble: str, base: str, expected: list[int]) -> None:
    text = f"{preamble}FROM {base}\nCOPY app /app\n"
    assert lines(text, RULE, dedent=False) == expected


def test_case_of_keywords() -> None:
    text = "from golang:1.22 as build\nrun go build -o /out/app .\nfrom SCRATCH\ncopy --from=build /out/app /app\n"
    assert lines(text, RULE, dedent=False) == [4]


def test_no_copy_no_finding() -> None:
    text = 'FROM scratch\nCMD ["/nothing"]\n'
    assert lines(text, RULE, dedent=False) == []
