"""IK520 package-install-without-yes: package managers left to prompt in a RUN."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, run_spans

RULE = "IK520"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(3, 5, 3)]
    assert "`apt-get install`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get install curl",
        "RUN apt-get install --no-install-recommends curl",
        "RUN apt-get -q install curl",
        "RUN apt-get --force-yes install curl",
        "RUN DEBIAN_FRONTEND=noninteractive apt-get install curl",
        "RUN apt-get -o Dpkg::Options::=--force-confold install curl",
        "RUN apt-get -o APT::Get::Assume-Yes=false install curl",
        "RUN apt-get upgrade",
        "RUN apt-get dist-upgrade",
        "RUN apt-get purge curl",
        "RUN apt-get autoremove",
        "RUN apt install curl",
        "RUN sudo apt-get install curl",
        "RUN yum install httpd",
        "RUN yum update",
        "RUN yum --setopt=tsflags=nodocs install httpd",
        "RUN yum -x kernel update",
        "RUN dnf install httpd",
        "RUN dnf --setopt=assumeyes=0 install httpd",
        "RUN microdnf install httpd",
        "RUN zypper install curl",
        "RUN zypper in curl",
        "RUN zypper --root /mnt install curl",
        "RUN zypper install -n curl",
        "RUN zypper dup",
    ],
)
def test_prompting_commands(run: str) -> None:
    assert len(run_spans(RULE, run)) == 1


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt-get install -y curl",
        "RUN apt-get install --yes curl",
        "RUN apt-get install --assume-yes curl",
        "RUN apt-get -qy install curl",
        "RUN apt-get install -yq --no-install-recommends curl",
        "RUN apt-get -qq install curl",
        "RUN apt-get -q -q install curl",
        "RUN apt-get -q=2 install curl",
        "RUN apt-get --quiet=2 install curl",
        "RUN apt-get -o APT::Get::Assume-Yes=true install curl",
        "RUN apt-get -o APT::Get::Assume-Yes=1 install curl",
        "RUN apt-get update",
        "RUN apt-get clean",
        "RUN apt-get source curl",
        "RUN apt-get download curl",
        "RUN apt list --installed",
        "RUN echo apt-get install curl",
        "RUN yum install -y httpd",
        "RUN yum --assumeyes install httpd",
        "RUN yum clean all",
        "RUN yum makecache",
        "RUN dnf -y install httpd",
        "RUN dnf --setopt=assumeyes=True install httpd",
        "RUN dnf info httpd",
        "RUN microdnf install -y httpd",
        "RUN zypper --non-interactive install curl",
        "RUN zypper -n install curl",
        "RUN zypper -nq in curl",
        "RUN zypper install -y curl",
        "RUN zypper in --no-confirm curl",
        "RUN zypper refresh",
        "RUN zypper --non-interactive --root /mnt update",
    ],
)
def test_answered_or_not_prompting(run: str) -> None:
    assert run_spans(RULE, run) == []


def test_spans_in_a_chain() -> None:
    run = "RUN apt-get update && apt-get install curl && apt-get install -y wget"
    assert run_spans(RULE, run) == [(2, 23, 43)]


@pytest.mark.parametrize(
    ("run", "fragment"),
    [
        ("RUN yum install httpd", "`yum install` without `-y`"),
        ("RUN dnf upgrade", "`dnf upgrade` without `-y`"),
        ("RUN zypper in curl", "`zypper --non-interactive in`"),
    ],
)
def test_messages_name_the_switch(run: str, fragment: str) -> None:
    (finding,) = hits(f"FROM fedora:40\n{run}\n", RULE, dedent=False)
    assert fragment in finding.message


def test_sh_dash_c_exec_form_and_heredoc() -> None:
    assert run_spans(RULE, "RUN sh -c 'apt-get install curl'") == [(2, 12, 32)]
    assert run_spans(RULE, 'RUN ["apt-get", "install", "curl"]') == [(2, 1, 35)]
    assert run_spans(RULE, 'RUN ["apt-get", "install", "-y", "curl"]') == []
    text = """\
        FROM debian:bookworm-slim
        RUN <<EOF
        apt-get update
        apt-get install curl
        EOF
        """
    assert lines(text, RULE) == [4]


def test_assume_yes_configured_earlier_in_the_lineage() -> None:
    text = """\
        FROM debian:bookworm-slim AS base
        RUN echo 'APT::Get::Assume-Yes "true";' > /etc/apt/apt.conf.d/90yes
        FROM base
        RUN apt-get install curl
        FROM fedora:40
        RUN echo assumeyes=1 >> /etc/dnf/dnf.conf
        RUN dnf install httpd
        FROM fedora:40
        RUN dnf install httpd
        RUN echo assumeyes=1 >> /etc/dnf/dnf.conf
        """
    assert lines(text, RULE) == [9]


def test_every_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN apt-get install build-essential
        FROM debian:bookworm-slim
        RUN apt-get install -y curl
        RUN apt-get remove curl
        """
    assert lines(text, RULE) == [2, 5]
