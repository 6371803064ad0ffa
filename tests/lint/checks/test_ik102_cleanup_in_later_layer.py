"""IK102 cleanup-in-later-layer: removing in a later RUN what an earlier layer wrote."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK102"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [f.line for f in found] == [5]
    assert "COPY on line 2" in found[0].message
    assert "/tmp/wheels" in found[0].message
    assert lines(rule.good, RULE) == []


def test_finding_points_at_the_removing_command_and_names_the_creating_layer() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl
        RUN curl --version \\
         && rm -rf /var/lib/apt/lists/*
        """
    (finding,) = hits(text, RULE)
    assert (finding.line, finding.column) == (5, 5)
    assert (finding.end_line, finding.end_column) == (5, 32)
    message = finding.message
    assert "/var/lib/apt/lists" in message
    assert "RUN on line 2" in message
    assert "does not shrink the image" in message
    assert "--mount=type=cache,target=/var/lib/apt/lists" in message


def test_removal_in_the_same_run_is_fine() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
        RUN curl -fsSLo /tmp/x.tgz https://example.com/x.tgz \\
         && tar -xzf /tmp/x.tgz -C /opt \\
         && rm /tmp/x.tgz
        """
    assert lines(text, RULE) == []


@pytest.mark.parametrize(
    ("create", "remove", "path"),
    [
        ("apt-get update", "rm -rf /var/lib/apt/lists/*", "/var/lib/apt/lists"),
        ("apt update", "rm -r /var/lib/apt/lists", "/var/lib/apt/lists"),
        ("apt-get -y install curl", "apt-get clean", "/var/cache/apt"),
        ("apt-get install -y curl", "rm -rf /var/cache/apt/*", "/var/cache/apt"),
        ("apk add curl", "rm -rf /var/cache/apk/*", "/var/cache/apk"),
        ("apk update", "apk cache clean", "/var/cache/apk"),
        ("pip install requests", "rm -rf /root/.cache/pip", "/root/.cache/pip"),
        ("pip3 install requests", "rm -rf ~/.cache", "/root/.cache/pip"),
        ("python3 -m pip install requests", "rm -rf $HOME/.cache/pip", "/root/.cache/pip"),
        ("pip install requests", "pip cache purge", "/root/.cache/pip"),
        ("npm ci", "npm cache clean --force", "/root/.npm"),
        ("npm install -g pnpm", "rm -rf ~/.npm", "/root/.npm"),
        ("yarn install --frozen-lockfile", "yarn cache clean", "/usr/local/share/.cache/yarn"),
        ("yarn", "rm -rf /usr/local/share/.cache/yarn", "/usr/local/share/.cache/yarn"),
        ("gradle build", "rm -rf /root/.gradle", "/root/.gradle"),
        ("./gradlew assemble", "rm -rf ~/.gradle/caches ~/.gradle", "/root/.gradle"),
        ("mvn -B package", "rm -rf /root/.m2", "/root/.m2"),
        ("yum install -y gcc", "yum clean all", "/var/cache/yum"),
        ("dnf install -y gcc", "rm -rf /var/cache/dnf", "/var/cache/dnf"),
        ("microdnf install gcc", "rm -rf /var/cache/yum", "/var/cache/yum"),
    ],
)
def test_package_caches(create: str, remove: str, path: str) -> None:
    text = f"FROM base:1\nRUN {create}\nRUN {remove}\n"
    found = hits(text, RULE, dedent=False)
    assert [f.line for f in found] == [3]
    assert path in found[0].message
    assert "RUN on line 2" in found[0].message


@pytest.mark.parametrize(
    "create",
    [
        "apk add --no-cache curl",
        "pip install --no-cache-dir requests",
        "PIP_NO_CACHE_DIR=1 pip install requests",
        "apt-get install -y curl",
    ],
)
def test_nothing_cached_nothing_reported(create: str) -> None:
    text = (
        f"FROM base:1\nRUN {create}\n"
        "RUN rm -rf /var/cache/apk/* /root/.cache/pip /var/lib/apt/lists/*\n"
    )
    assert lines(text, RULE, dedent=False) == []


def test_pip_no_cache_dir_from_env() -> None:
    text = """\
        FROM python:3.12-slim
        ENV PIP_NO_CACHE_DIR=1
        RUN pip install requests
        RUN rm -rf /root/.cache/pip
        """
    assert lines(text, RULE) == []


def test_home_follows_user() -> None:
    text = """\
        FROM python:3.12-slim
        USER app
        RUN pip install --user requests
        RUN rm -rf ~/.cache/pip
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [4]
    assert "/home/app/.cache/pip" in found[0].message


def test_cache_mount_on_the_creating_run_keeps_the_layer_clean() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\
            --mount=type=cache,target=/var/cache/apt,sharing=locked \\
            apt-get update && apt-get install -y curl
        RUN --mount=type=cache,target=/root/.cache/pip pip install requests
        RUN --mount=type=tmpfs,target=/tmp curl -fsSLo /tmp/x.tgz https://example.com/x.tgz
        RUN rm -rf /var/lib/apt/lists/* /root/.cache/pip /tmp/x.tgz && apt-get clean
        """
    assert lines(text, RULE) == []


@pytest.mark.parametrize(
    ("create", "remove", "path"),
    [
        ("curl -fsSLo /tmp/app.tgz https://example.com/app.tgz", "rm /tmp/app.tgz", "/tmp/app.tgz"),
        (
            "curl -sSL --output=/opt/app.zip https://example.com/a",
            "rm /opt/app.zip",
            "/opt/app.zip",
        ),
        (
            "curl -fsSLO https://example.com/dl/app-1.0.tgz",
            "rm /src/app-1.0.tgz",
            "/src/app-1.0.tgz",
        ),
        ("curl -fsSL -O https://example.com/a.deb", "rm -f a.deb", "/src/a.deb"),
        ("wget https://example.com/dl/tool.tar.gz", "rm tool.tar.gz", "/src/tool.tar.gz"),
        ("wget -q -P /opt https://example.com/tool.jar", "rm /opt/tool.jar", "/opt/tool.jar"),
        ("wget -qO /tmp/t.zip https://example.com/t", "rm -f /tmp/t.zip", "/tmp/t.zip"),
        ("git clone --depth 1 -b v1 https://github.com/a/b.git", "rm -rf /src/b", "/src/b"),
        ("git clone https://github.com/a/b.git /opt/b", "rm -rf /opt/b", "/opt/b"),
        ("git -C /opt clone https://github.com/a/c", "rm -rf /opt/c", "/opt/c"),
        ("tar -xzf /a.tgz -C /opt/a", "rm -rf /opt/a", "/opt/a"),
        ("tar xzf /a.tgz --directory=/opt/a", "rm -rf /opt/a", "/opt/a"),
        ("unzip -q /a.zip -d /opt/z", "rm -rf /opt/z", "/opt/z"),
        ("mkdir -p /build && cd /build && cmake /src", "rm -rf /build", "/build"),
        ("make", "cd / && rm -rf /src", "/src"),
        ("npm ci", "rm -rf node_modules", "/src/node_modules"),
    ],
)
def test_downloads_and_build_directories(create: str, remove: str, path: str) -> None:
    text = f"FROM base:1\nWORKDIR /src\nRUN {create}\nRUN {remove}\n"
    found = hits(text, RULE, dedent=False)
    assert [f.line for f in found] == [4]
    assert path in found[0].message
    assert "RUN on line 3" in found[0].message


@pytest.mark.parametrize(
    "create",
    [
        "curl -fsSL https://example.com/install.sh | sh",
        "wget -qO- https://example.com/a.tgz | tar -xz",
        "curl -o /dev/null https://example.com/health",
        "mkdir -p /src/empty",
        "git clone https://github.com/a/other.git",
    ],
)
def test_nothing_written_there(create: str) -> None:
    text = f"FROM base:1\nWORKDIR /work\nRUN {create}\nRUN rm -rf /src/empty /work/b /opt/a\n"
    assert lines(text, RULE, dedent=False) == []


@pytest.mark.parametrize(
    ("instructions", "remove", "path", "keyword"),
    [
        ("COPY wheels/ /tmp/wheels/", "rm -rf /tmp/wheels", "/tmp/wheels", "COPY"),
        ("COPY app.tar.gz /tmp/", "rm /tmp/app.tar.gz", "/tmp/app.tar.gz", "COPY"),
        ("COPY a.whl b.whl /tmp/", "rm -f /tmp/*.whl", "/tmp/a.whl", "COPY"),
        ("ADD https://example.com/dl/tool.tgz /tmp/", "rm /tmp/tool.tgz", "/tmp/tool.tgz", "ADD"),
        ("ADD https://example.com/dl/tool.tgz /opt/t.tgz", "rm /opt/t.tgz", "/opt/t.tgz", "ADD"),
        ("WORKDIR /build\nCOPY . .", "rm -rf /build", "/build", "COPY"),
        ("WORKDIR /build\nCOPY src ./src", "rm -rf src", "/build/src", "COPY"),
        (
            "COPY --from=builder /out/app.tgz /tmp/app.tgz",
            "rm /tmp/app.tgz",
            "/tmp/app.tgz",
            "COPY",
        ),
        ("COPY <<EOF /tmp/setup.sh\necho hi\nEOF", "rm /tmp/setup.sh", "/tmp/setup.sh", "COPY"),
    ],
)
def test_copied_in_then_removed(instructions: str, remove: str, path: str, keyword: str) -> None:
    text = f"FROM base:1\n{instructions}\nRUN echo use it\nRUN {remove}\n"
    found = hits(text, RULE, dedent=False)
    assert len(found) == 1
    assert path in found[0].message
    assert f"the {keyword} on line" in found[0].message
    assert "--mount=type=bind" in found[0].message


def test_variables_are_expanded_on_both_sides() -> None:
    text = """\
        FROM debian:bookworm-slim
        ARG VERSION=1.2.3
        ENV DL=/opt/dl
        RUN curl -fsSLo ${DL}/tool-${VERSION}.tgz https://example.com/tool-${VERSION}.tgz
        RUN rm "$DL/tool-1.2.3.tgz"
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [5]
    assert "/opt/dl/tool-1.2.3.tgz" in found[0].message


def test_cd_inside_the_run_is_followed() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN cd /tmp && curl -fsSLO https://example.com/a.tgz
        RUN cd /tmp \\
         && tar -xzf a.tgz -C /usr/local \\
         && rm a.tgz
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(5, 5)]
    assert "/tmp/a.tgz" in found[0].message


def test_removal_inside_sh_c_heredoc_and_case() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN curl -fsSLo /tmp/a.tgz https://example.com/a \\
         && curl -fsSLo /tmp/b.tgz https://example.com/b \\
         && curl -fsSLo /tmp/c.tgz https://example.com/c
        RUN sh -c 'rm -f /tmp/a.tgz'
        RUN <<EOF
        set -e
        rm -f /tmp/b.tgz
        EOF
        RUN case "$(uname -m)" in x86_64) rm -f /tmp/c.tgz ;; esac
        """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(5, 12), (8, 1), (10, 35)]


def test_several_paths_in_one_removal_make_one_finding() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN curl -fsSLo /tmp/a.tgz https://example.com/a
        COPY b.tgz /tmp/
        RUN rm -rf /tmp/*
        """
    (finding,) = hits(text, RULE)
    assert "/tmp/a.tgz (RUN on line 2)" in finding.message
    assert "/tmp/b.tgz (COPY on line 3)" in finding.message


def test_reported_once_per_written_path() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN apt-get update
        RUN rm -rf /var/lib/apt/lists/*
        RUN rm -rf /var/lib/apt/lists/*
        """
    assert lines(text, RULE) == [3]


def test_find_with_a_name_filter_is_not_a_whole_removal() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN apt-get update
        RUN find /var/lib/apt/lists -name '*.lz4' -delete
        RUN find /var/lib/apt/lists -mindepth 1 -delete
        """
    assert lines(text, RULE) == [4]


def test_removing_part_of_a_written_tree_is_not_reported() -> None:
    text = """\
        FROM node:20-slim
        WORKDIR /app
        COPY . .
        RUN npm ci
        RUN rm -rf /app/node_modules/.cache /app/tests
        """
    assert lines(text, RULE) == []


def test_builder_stages_are_silent_and_the_shipped_chain_is_one_image() -> None:
    text = """\
        FROM debian:bookworm-slim AS build
        RUN apt-get update
        RUN rm -rf /var/lib/apt/lists/*

        FROM debian:bookworm-slim AS base
        RUN apt-get update

        FROM base
        COPY --from=build /etc/os-release /tmp/os-release
        RUN rm -rf /var/lib/apt/lists/*
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [10]
    assert "RUN on line 6" in found[0].message


def test_target_decides_which_stages_ship() -> None:
    text = """\
        FROM debian:bookworm-slim AS tools
        RUN apt-get update
        RUN rm -rf /var/lib/apt/lists/*

        FROM debian:bookworm-slim
        RUN echo ok
        """
    assert lines(text, RULE) == []
    assert lines(text, RULE, target="tools") == [3]


def test_removal_under_a_mount_of_the_removing_run_is_not_cleanup() -> None:
    text = """\
        FROM debian:bookworm-slim
        RUN apt-get update
        RUN --mount=type=cache,target=/var/lib/apt/lists rm -rf /var/lib/apt/lists/*
        """
    assert lines(text, RULE) == []
