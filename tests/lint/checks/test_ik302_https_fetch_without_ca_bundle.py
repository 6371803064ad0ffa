"""IK302 https-fetch-without-ca-bundle: curl, wget or git over HTTPS with no CA bundle.

Every stage is judged, builder stages included: a download that fails its certificate
check breaks the build wherever it runs, whether or not the stage ships.
"""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK302"
URL = "https://example.com/tool.tar.gz"
NO_RECOMMENDS = "apt-get update && apt-get install -y --no-install-recommends"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    assert hits(rule.bad, RULE, dedent=False)
    assert not hits(rule.good, RULE, dedent=False)


@pytest.mark.parametrize(
    ("tool", "fetch"),
    [
        ("curl", f"curl -fsSL {URL} -o /tmp/t.tgz"),
        ("curl", f"curl -fsSL --url={URL}"),
        ("wget", f"wget -q -O /tmp/t.tgz {URL}"),
        ("git", "git clone --depth 1 https://github.com/example/repo.git /src"),
        ("git", "git -C /src fetch https://github.com/example/repo.git"),
    ],
)
def test_debian_slim_with_no_install_recommends(tool: str, fetch: str) -> None:
    text = f"FROM debian:bookworm-slim\nRUN {NO_RECOMMENDS} {tool}\nRUN {fetch}\n"
    found = hits(text, RULE, dedent=False)
    assert [(f.line, f.column) for f in found] == [(3, 5)]
    assert f"`{tool}` fetches https://" in found[0].message
    assert "--no-install-recommends" in found[0].message
    assert found[0].severity.value == "error"


@pytest.mark.parametrize("tool", ["curl", "wget", "git"])
def test_recommends_bring_ca_certificates(tool: str) -> None:
    # curl (through libcurl4), wget and git recommend ca-certificates on Debian and Ubuntu.
    text = f"FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y {tool}\nRUN {tool} https://x.example/\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "install",
    [
        f"{NO_RECOMMENDS} ca-certificates curl",
        f"{NO_RECOMMENDS} curl ca-certificates",
        "apt-get update && apt-get install --no-install-recommends -y curl python3-pip",
    ],
)
def test_ca_certificates_installed_alongside(install: str) -> None:
    text = f"FROM debian:bookworm-slim\nRUN {install} && curl -fsSL {URL} | tar -xz\n"
    assert lines(text, RULE, dedent=False) == []


def test_order_inside_one_run_matters() -> None:
    text = f"""
        FROM debian:bookworm-slim
        RUN {NO_RECOMMENDS} curl \\
         && curl -fsSLO {URL} \\
         && apt-get install -y --no-install-recommends ca-certificates \\
         && curl -fsSLO {URL}
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(3, 5)]


@pytest.mark.parametrize(
    "base",
    [
        "alpine:3.20",
        "golang:1.22",
        "python:3.12-slim",
        "buildpack-deps:bookworm-curl",
        "quay.io/acme/runner:1",
    ],
)
def test_bases_with_a_bundle(base: str) -> None:
    assert lines(f"FROM {base}\nRUN curl -fsSLO {URL}\n", RULE, dedent=False) == []


def test_node_slim_has_no_bundle_for_curl() -> None:
    text = f"FROM node:20-slim\nRUN {NO_RECOMMENDS} curl && curl -fsSLO {URL}\n"
    assert lines(text, RULE, dedent=False) == [2]


def test_scratch_has_no_bundle() -> None:
    text = f"FROM scratch\nCOPY --from=busybox:1.36 /bin/busybox /bin/sh\nRUN curl -fsSLO {URL}\n"
    assert lines(text, RULE, dedent=False) == [3]


def test_busybox_wget_does_not_verify_so_does_not_fail() -> None:
    # The busybox applet prints "TLS certificate validation not implemented" and succeeds.
    text = f"FROM busybox:1.36\nRUN wget -O /tmp/t.tgz {URL}\n"
    assert lines(text, RULE, dedent=False) == []


def test_builder_stages_are_judged_too() -> None:
    text = f"""
        FROM debian:bookworm-slim AS fetch
        RUN {NO_RECOMMENDS} curl && curl -fsSLo /tool {URL}

        FROM gcr.io/distroless/static-debian12
        COPY --from=fetch /tool /tool
    """
    assert lines(text, RULE) == [2]


def test_bundle_inherited_from_a_parent_stage() -> None:
    text = f"""
        FROM debian:bookworm-slim AS base
        RUN {NO_RECOMMENDS} ca-certificates curl

        FROM base AS fetch
        RUN curl -fsSLO {URL}
    """
    assert lines(text, RULE) == []


def test_each_stage_reported_once() -> None:
    # The parent's fetch is reported for the parent only, not again for the child.
    text = f"""
        FROM debian:bookworm-slim AS base
        RUN {NO_RECOMMENDS} curl && curl -fsSLO {URL}

        FROM base
        RUN curl -fsSLO {URL}
    """
    assert lines(text, RULE) == [2, 5]


def test_add_https_is_fetched_by_the_builder() -> None:
    text = f"FROM scratch\nADD {URL} /tool.tar.gz\nADD --checksum=sha256:00 {URL} /t\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "fetch",
    [
        f"curl -k -fsSLO {URL}",
        f"curl -fsSLk {URL}",
        f"curl --cacert /certs/ca.pem -fsSLO {URL}",
        f"wget --no-check-certificate {URL}",
        f"wget --ca-certificate=/certs/ca.pem {URL}",
        "git -c http.sslVerify=false clone https://github.com/example/repo.git",
        f"CURL_CA_BUNDLE=/certs/ca.pem curl -fsSLO {URL}",
        "curl -fsSLO http://example.com/plain.tgz",
        "curl -fsSLO $URL",
        "git clone git@github.com:example/repo.git",
        "git remote add origin https://github.com/example/repo.git",
        f"echo curl {URL}",
    ],
)
def test_fetches_that_need_no_bundle(fetch: str) -> None:
    text = f"FROM debian:bookworm-slim\nRUN {NO_RECOMMENDS} curl wget git\nRUN {fetch}\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "setup",
    [
        "ENV SSL_CERT_FILE=/certs/ca.pem",
        "ENV GIT_SSL_NO_VERIFY=1",
        "COPY --from=alpine:3.20 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/",
    ],
)
def test_bundle_from_env_or_copy(setup: str) -> None:
    text = f"FROM debian:bookworm-slim\nRUN {NO_RECOMMENDS} curl\n{setup}\nRUN curl -fsSLO {URL}\n"
    assert lines(text, RULE, dedent=False) == []


def test_bundle_mounted_for_one_run() -> None:
    text = f"""
        FROM debian:bookworm-slim
        RUN {NO_RECOMMENDS} curl
        RUN --mount=type=bind,from=alpine:3.20,source=/etc/ssl/certs,target=/etc/ssl/certs \\
            curl -fsSLO {URL}
        RUN curl -fsSLO {URL}
    """
    assert lines(text, RULE) == [5]


@pytest.mark.parametrize("base", ["busybox", "docker.io/library/busybox:1.36-glibc"])
def test_busybox_wget_by_any_reference(base: str) -> None:
    assert lines(f"FROM {base}\nRUN wget {URL}\n", RULE, dedent=False) == []


def test_heredoc_script() -> None:
    text = f"""
        FROM debian:bookworm-slim
        RUN <<EOF
        set -eux
        {NO_RECOMMENDS} curl
        curl -fsSLO {URL}
        EOF
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(5, 1)]


def test_sh_c_string() -> None:
    text = f"FROM debian:bookworm-slim\nRUN {NO_RECOMMENDS} curl\nRUN sh -c 'cd /tmp && curl -fsSLO {URL}'\n"
    found = hits(text, RULE, dedent=False)
    assert [(f.line, f.column) for f in found] == [(3, 23)]


def test_case_and_if_branches_reported_once_per_run() -> None:
    text = f"""
        FROM debian:bookworm-slim
        RUN {NO_RECOMMENDS} curl wget
        RUN case "$(uname -m)" in \\
              x86_64) curl -fsSLO {URL} ;; \\
              *) wget {URL} ;; \\
            esac; \\
            if [ -n "$X" ]; then git clone https://github.com/example/repo.git; fi
    """
    assert lines(text, RULE) == [4]


@pytest.mark.parametrize(
    ("run", "line"),
    [
        (f'case "$A" in \\\n  x) true ;; \\\n  *) wget {URL} ;; \\\nesac', 5),
        ('if [ -n "$X" ]; then \\\n  git clone https://github.com/example/repo.git; \\\nfi', 4),
        (f"for u in a b; do curl -fsSLO {URL}; done", 3),
        (f"x=$(curl -fsSL {URL})", 3),
    ],
)
def test_fetch_inside_compound_commands(run: str, line: int) -> None:
    text = f"FROM debian:bookworm-slim\nRUN {NO_RECOMMENDS} curl wget git\nRUN {run}\n"
    assert lines(text, RULE, dedent=False) == [line]


def test_exec_form_run() -> None:
    text = f'FROM debian:bookworm-slim\nRUN {NO_RECOMMENDS} curl\nRUN ["curl", "-fsSLO", "{URL}"]\n'
    assert lines(text, RULE, dedent=False) == [3]


def test_base_never_installing_curl_is_still_reported() -> None:
    # No bundle at all: the fetch fails whichever way curl got there.
    text = f"FROM debian:bookworm-slim\nCOPY --from=build /usr/bin/curl /usr/bin/curl\nRUN curl -fsSLO {URL}\n"
    found = hits(text, RULE, dedent=False)
    assert [f.line for f in found] == [3]
    assert "nothing installs ca-certificates" in found[0].message


def test_unresolved_base_is_not_judged() -> None:
    text = f"ARG BASE\nFROM $BASE\nRUN curl -fsSLO {URL}\n"
    assert lines(text, RULE, dedent=False) == []


def test_keyword_case() -> None:
    text = f"from debian:bookworm-slim\nrun {NO_RECOMMENDS} curl && curl -fsSLO {URL}\n"
    assert lines(text, RULE, dedent=False) == [2]
