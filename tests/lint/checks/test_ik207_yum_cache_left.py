"""IK207 yum-cache-left: yum/dnf/microdnf change packages and the RUN keeps their cache.

Decision: one finding per RUN, at the first package-changing command; the RUN is clean
when any manager's ``clean all`` or a removal of /var/cache/yum, /var/cache/dnf or
/var/cache/libdnf5 (or a parent) follows the last one.
"""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK207"


def _run(run: str) -> str:
    return f"FROM rockylinux:9\nRUN {run}\n"


@pytest.mark.parametrize(
    ("run", "action"),
    [
        ("yum install -y nginx", "yum install"),
        ("dnf install -y nginx", "dnf install"),
        ("dnf5 install -y nginx", "dnf5 install"),
        ("microdnf install -y nginx", "microdnf install"),
        ("yum -y install nginx", "yum install"),
        ("dnf --setopt=install_weak_deps=False install -y nginx", "dnf install"),
        ("dnf --setopt install_weak_deps=False install -y nginx", "dnf install"),
        ("dnf --enablerepo crb install -y nginx", "dnf install"),
        ("yum update -y", "yum update"),
        ("dnf upgrade -y", "dnf upgrade"),
        ("yum reinstall -y tzdata", "yum reinstall"),
        ("yum groupinstall -y 'Development Tools'", "yum groupinstall"),
        ("dnf group install -y 'Development Tools'", "dnf group install"),
        ("dnf makecache", "dnf makecache"),
        ("yum localinstall -y /tmp/x.rpm", "yum localinstall"),
        ("dnf install -y nginx && dnf clean packages", "dnf install"),
        ("dnf install -y nginx && rm -rf /tmp/*", "dnf install"),
        ("dnf clean all && dnf install -y nginx", "dnf install"),
        ("dnf install -y nginx && rm -rf /var/cache/dnf/x86_64", "dnf install"),
        ("sh -c 'yum install -y nginx'", "yum install"),
    ],
)
def test_flags_install_without_clean(run: str, action: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 2
    assert f"`{action}`" in finding.message
    assert "clean all" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "yum install -y nginx && yum clean all",
        "dnf install -y nginx && dnf clean all",
        "microdnf install -y nginx && microdnf clean all",
        "dnf install -y nginx; dnf -q clean all",
        "dnf install -y nginx && dnf clean metadata packages all",
        "dnf install -y nginx && yum clean all",
        "yum install -y nginx && rm -rf /var/cache/yum",
        "dnf install -y nginx && rm -rf /var/cache/dnf/*",
        "dnf5 install -y nginx && rm -rf /var/cache/libdnf5",
        "dnf install -y nginx && rm -rf /var/cache",
        "dnf install -y a && dnf install -y b && dnf clean all",
        # not changing packages
        "dnf remove -y nginx",
        "yum list installed",
        "dnf clean all",
        "rpm -qa",
        "echo dnf install -y nginx",
    ],
)
def test_silent_when_cleaned_or_no_install(run: str) -> None:
    assert hits(_run(run), RULE) == []


@pytest.mark.parametrize("target", ["/var/cache/dnf", "/var/cache/yum", "/var/cache"])
def test_cache_mount_exempts(target: str) -> None:
    assert hits(_run(f"--mount=type=cache,target={target} dnf install -y nginx"), RULE) == []


def test_clean_must_follow_the_last_install() -> None:
    text = """
        FROM fedora:40
        RUN dnf install -y gcc \\
         && dnf clean all \\
         && dnf install -y make
    """
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (2, 5)


def test_position_and_heredoc() -> None:
    text = """
        FROM fedora:40
        RUN <<EOF
        set -e
        if [ "$(uname -m)" = x86_64 ]; then dnf install -y nginx; fi
        EOF
    """
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (4, 37)


def test_only_shipped_stages() -> None:
    text = """
        FROM fedora:40 AS build
        RUN dnf install -y gcc

        FROM registry.access.redhat.com/ubi9/ubi-minimal AS runtime
        COPY --from=build /usr/bin/gcc /usr/bin/gcc
        RUN microdnf install -y tzdata
    """
    assert lines(text, RULE) == [6]
    assert lines(text, RULE, target="build") == [2]


# dnf's own short names for its commands (its command classes list them as aliases).
@pytest.mark.parametrize(
    "action",
    [
        "in", "rei", "up", "up-min", "dg", "mc", "dsync", "distrosync",
        "distribution-synchronization", "install-n", "install-nevra", "upgrade-to",
        "update-to", "localupdate",
    ],
)  # fmt: skip
def test_dnf_command_aliases(action: str) -> None:
    [finding] = hits(_run(f"dnf -y {action} nginx"), RULE)
    assert f"`dnf {action}`" in finding.message
    assert hits(_run(f"dnf -y {action} nginx && dnf clean all"), RULE) == []


@pytest.mark.parametrize("group", ["grp", "groups", "module"])
def test_group_command_aliases(group: str) -> None:
    [finding] = hits(_run(f"dnf -y {group} install 'Development Tools'"), RULE)
    assert f"`dnf {group} install`" in finding.message
    assert hits(_run(f"dnf -y {group} list"), RULE) == []


# Removing packages is left alone, as `dnf remove` is (see the silent cases above).
@pytest.mark.parametrize("action", ["rm", "remove", "erase"])
def test_removal_aliases_stay_silent(action: str) -> None:
    assert hits(_run(f"dnf {action} nginx"), RULE) == []
