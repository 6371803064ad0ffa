"""IK303 certificate-verification-disabled: TLS or signature checks switched off.

Decisions: every stage is judged (a builder's unchecked download is copied into the
image); one finding per command, per ENV/ARG instruction and per configuration heredoc;
the switch is read as the tool reads it (curl's option bundles, git's boolean values,
pip behind ``python -m``); BusyBox's wget applet fetching https:// in a busybox-based
stage is reported here, never under IK302.
"""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK303"
URL = "https://downloads.example.com/tool.tgz"


def _run(run: str, base: str = "debian:bookworm-slim") -> str:
    return f"FROM {base}\nRUN {run}\n"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    assert rule.severity.value == "error"
    assert rule.category == "certificates"
    assert rule.hadolint == ()
    assert hits(rule.bad, RULE, dedent=False)
    assert not hits(rule.good, RULE, dedent=False)


@pytest.mark.parametrize(
    ("run", "shown"),
    [
        (f"curl -k {URL}", "curl -k"),
        (f"curl -fsSLk -o /tmp/t {URL}", "curl -k"),
        (f"curl --insecure {URL}", "curl --insecure"),
        (f"curl --proxy-insecure -x https://proxy:3128 {URL}", "curl --proxy-insecure"),
        (f"wget --no-check-certificate {URL}", "wget --no-check-certificate"),
        (f"wget --check-certificate=off {URL}", "wget --check-certificate=off"),
        (f"wget -e check_certificate=off {URL}", "check_certificate=off"),
        ("echo 'check_certificate = off' >> /etc/wgetrc", "check_certificate = off"),
        ("git -c http.sslVerify=false clone https://git.example.com/r.git", "git -c"),
        ("git -c http.https://git.example.com/.sslverify=0 fetch", "git -c"),
        ("git config --global http.sslVerify false", "git config http.sslVerify false"),
        ("GIT_SSL_NO_VERIFY=1 git clone https://git.example.com/r.git", "GIT_SSL_NO_VERIFY=1"),
        ("export GIT_SSL_NO_VERIFY=true && git clone https://x/r.git", "export GIT_SSL_NO_VERIFY"),
        ("pip install --trusted-host pypi.org flask", "pip --trusted-host"),
        ("python3 -m pip install --trusted-host=files.pythonhosted.org flask", "pip --trusted"),
        ("pip config set global.trusted-host pypi.org", "pip config set global.trusted-host"),
        ("uv pip install --allow-insecure-host pypi.org flask", "uv --allow-insecure-host"),
        ("npm config set strict-ssl false", "npm config set strict-ssl false"),
        ("npm set strict-ssl=false", "npm config set strict-ssl false"),
        ("yarn config set strict-ssl false", "yarn config set strict-ssl false"),
        ("npm install --strict-ssl=false", "npm --strict-ssl=false"),
        ("NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci", "NODE_TLS_REJECT_UNAUTHORIZED=0"),
        ("PYTHONHTTPSVERIFY=0 python3 fetch.py", "PYTHONHTTPSVERIFY=0"),
        ("sh -c 'curl -k https://x.example/'", "curl -k"),
    ],
)
def test_tls_switches(run: str, shown: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 2
    assert finding.severity.value == "error"
    assert f"`{shown}" in finding.message
    assert "certificate verification off" in finding.message
    assert "ca-certificates" in finding.message
    assert "ADD --checksum" in finding.message
    assert "stage that has a CA bundle" in finding.message


@pytest.mark.parametrize(
    ("run", "shown"),
    [
        ("apk add --allow-untrusted /tmp/pkg.apk", "apk --allow-untrusted"),
        ("apt-get install -y --allow-unauthenticated curl", "apt-get --allow-unauthenticated"),
        ("apt-get update --allow-insecure-repositories", "apt-get --allow-insecure-repositories"),
        ("apt-get install -y --force-yes curl", "apt-get --force-yes"),
        ("apt-get -o Acquire::AllowInsecureRepositories=true update", "Acquire::Allow"),
        ("apt-get install -y -o APT::Get::AllowUnauthenticated=1 x", "APT::Get::AllowUnauth"),
        (
            "echo 'Acquire::AllowInsecureRepositories \"true\";' > /etc/apt/apt.conf.d/99x",
            "Acquire::AllowInsecureRepositories",
        ),
        (
            "echo 'deb [trusted=yes] http://repo.example.com/ ./' > /etc/apt/sources.list.d/r.list",
            "[trusted=yes",
        ),
        ("dnf install -y --nogpgcheck nginx", "dnf --nogpgcheck"),
        ("yum --nogpgcheck localinstall -y /tmp/x.rpm", "yum --nogpgcheck"),
        ("microdnf install --nogpgcheck nginx", "microdnf --nogpgcheck"),
        ("dnf install -y --setopt=*.gpgcheck=0 nginx", "gpgcheck=0"),
        ("sed -i 's/gpgcheck=1/gpgcheck=0/' /etc/yum.repos.d/x.repo", "gpgcheck=0"),
        ("zypper --no-gpg-checks install -y nginx", "zypper --no-gpg-checks"),
        ("rpm -i --nosignature /tmp/x.rpm", "rpm --nosignature"),
    ],
)
def test_signature_switches(run: str, shown: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert f"`{shown}" in finding.message
    assert "signatures" in finding.message
    assert "signing key" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "apt-get -o Acquire::https::Verify-Peer=false update",
        "echo 'Acquire::https::Verify-Peer \"false\";' > /etc/apt/apt.conf.d/99x",
        "dnf --setopt=sslverify=false install -y nginx",
    ],
)
def test_repository_tls_switches_are_tls_findings(run: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert "certificate verification off" in finding.message


@pytest.mark.parametrize(
    ("keyword", "setting"),
    [
        ("ENV", "GIT_SSL_NO_VERIFY=1"),
        ("ENV", "GIT_SSL_NO_VERIFY=false"),  # git checks only that the variable is set
        ("ENV", "PIP_TRUSTED_HOST=pypi.org"),
        ("ENV", "NODE_TLS_REJECT_UNAUTHORIZED=0"),
        ("ENV", "NODE_TLS_REJECT_UNAUTHORIZED 0"),
        ("ENV", "PYTHONHTTPSVERIFY=0"),
        ("ENV", "npm_config_strict_ssl=false"),
        ("ENV", "UV_INSECURE_HOST=pypi.org"),
        ("ARG", "NODE_TLS_REJECT_UNAUTHORIZED=0"),
        ("ENV", "A=1 PIP_TRUSTED_HOST=pypi.org NODE_TLS_REJECT_UNAUTHORIZED=0"),
    ],
)
def test_env_and_arg_settings(keyword: str, setting: str) -> None:
    text = f"FROM node:20-slim\n{keyword} {setting}\nRUN npm ci\n"
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (2, 1)
    assert f"`{keyword} " in finding.message


@pytest.mark.parametrize(
    "text",
    [
        # the settings that keep checks on
        "FROM node:20-slim\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\n",
        "FROM python:3.12\nENV PYTHONHTTPSVERIFY=1\n",
        "FROM node:20-slim\nENV npm_config_strict_ssl=true\n",
        "FROM python:3.12\nARG PIP_TRUSTED_HOST\n",  # no default: nothing set
        "FROM python:3.12\nENV PIP_TRUSTED_HOST=\n",
    ],
)
def test_settings_that_keep_checks_on(text: str) -> None:
    assert hits(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    "run",
    [
        f"curl -fsSL {URL}",
        f"curl -fsSLo /tmp/kubectl {URL}",  # -o takes the rest of the bundle: k is a value
        f"curl -o k {URL}",
        f"curl -H 'X-k: 1' {URL}",
        f"curl --cacert /etc/ssl/corp.pem {URL}",
        f"wget -q {URL}",
        "git -c http.sslVerify=true clone https://git.example.com/r.git",
        "git config --global http.sslVerify true",
        "git config --global user.name builder",
        "pip install flask",
        "pip install --index-url https://pypi.example.com/simple flask",
        "npm config set strict-ssl true",
        "npm config set registry https://registry.example.com/",
        "apt-get install -y --no-install-recommends curl",
        "dnf install -y nginx",
        "sed -i 's/gpgcheck=0/gpgcheck=1/' /etc/yum.repos.d/x.repo",  # turns checks on
        "grep -r gpgcheck=0 /etc/yum.repos.d/",  # only reads
        "echo insecure",
        "echo curl -k https://x.example/",  # prints a command, runs none
    ],
)
def test_silent(run: str) -> None:
    assert hits(_run(run), RULE) == []


def test_builder_stages_are_judged() -> None:
    text = f"""
        FROM debian:bookworm-slim AS fetch
        RUN curl -k -o /tool {URL}

        FROM gcr.io/distroless/static-debian12
        COPY --from=fetch /tool /tool
    """
    assert lines(text, RULE) == [2]


def test_one_finding_per_command() -> None:
    run = f"curl -k --insecure {URL} && wget --no-check-certificate {URL}"
    found = hits(_run(run), RULE)
    assert [(f.line, f.column) for f in found] == [(2, 5), (2, 5 + run.index("wget"))]


def test_configuration_heredocs() -> None:
    text = """
        # syntax=docker/dockerfile:1
        FROM debian:bookworm-slim
        COPY <<EOF /etc/apt/apt.conf.d/99insecure
        Acquire::AllowInsecureRepositories "true";
        EOF
        RUN cat > /etc/yum.repos.d/x.repo <<EOF
        [x]
        gpgcheck=0
        EOF
        RUN <<EOF
        sed -i 's/gpgcheck=0/gpgcheck=1/' /etc/dnf/dnf.conf
        EOF
    """
    assert lines(text, RULE) == [3, 6]


# BusyBox's wget applet checks no certificate ---------------------------------------------


@pytest.mark.parametrize("fetch", [f"wget -O /tmp/t {URL}", f"busybox wget -qO- {URL}"])
def test_busybox_wget_over_https(fetch: str) -> None:
    [finding] = hits(_run(fetch, base="busybox:1.36"), RULE)
    assert "TLS certificate validation not implemented" in finding.message
    assert "ADD --checksum" in finding.message
    assert "CA bundle" in finding.message
    assert hits(_run(fetch, base="busybox:1.36"), "IK302") == []


def test_busybox_wget_in_a_stage_built_on_a_busybox_stage() -> None:
    text = f"""
        FROM busybox:1.36 AS base
        RUN true

        FROM base
        RUN wget -O /tmp/t {URL}
    """
    assert lines(text, RULE) == [5]


@pytest.mark.parametrize(
    ("base", "fetch"),
    [
        ("busybox:1.36", "wget -O /tmp/t http://downloads.example.com/t"),  # no TLS at all
        ("debian:bookworm-slim", f"wget -O /tmp/t {URL}"),  # GNU wget checks
        ("alpine:3.20", f"wget -O /tmp/t {URL}"),
    ],
)
def test_other_wget_downloads(base: str, fetch: str) -> None:
    assert hits(_run(fetch, base=base), RULE) == []


def test_busybox_wget_with_its_switch_is_one_finding() -> None:
    [finding] = hits(_run(f"wget --no-check-certificate {URL}", base="busybox"), RULE)
    assert "`wget --no-check-certificate`" in finding.message
