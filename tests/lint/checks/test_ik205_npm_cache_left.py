"""IK205 npm-cache-left: npm or yarn installs leave the package manager cache."""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK205"


def _run(run: str, before: str = "") -> str:
    return f"FROM node:20-slim\nWORKDIR /app\n{before}RUN {run}\n"


@pytest.mark.parametrize(
    ("run", "cache"),
    [
        ("npm install", "/root/.npm"),
        ("npm i", "/root/.npm"),
        ("npm ci --omit=dev", "/root/.npm"),
        ("npm clean-install", "/root/.npm"),
        ("npm install -g pnpm@9", "/root/.npm"),
        ("npm --prefix ./web ci", "/root/.npm"),
        # npm 5 and later refuse `npm cache clean` without --force
        ("npm ci && npm cache clean", "/root/.npm"),
        ("npm ci && npm cache verify", "/root/.npm"),
        ("npm ci && yarn cache clean", "/root/.npm"),
        ("npm ci && rm -rf /tmp/*", "/root/.npm"),
        ("npm cache clean --force && npm ci", "/root/.npm"),
        ("npm ci --cache /tmp/npm", "/tmp/npm"),
        ("yarn", "/usr/local/share/.cache/yarn"),
        ("yarn --frozen-lockfile", "/usr/local/share/.cache/yarn"),
        ("yarn install --frozen-lockfile", "/usr/local/share/.cache/yarn"),
        ("yarn --cwd web install", "/usr/local/share/.cache/yarn"),
        ("yarn add left-pad", "/usr/local/share/.cache/yarn"),
        ("yarn global add serve", "/usr/local/share/.cache/yarn"),
        ("yarn install && npm cache clean --force", "/usr/local/share/.cache/yarn"),
        ("sh -c 'npm ci'", "/root/.npm"),
    ],
)
def test_flags_install_leaving_cache(run: str, cache: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 3
    assert cache in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "npm ci && npm cache clean --force",
        "npm ci && npm cache clean -f",
        "npm install && npm cache clear --force",
        "npm ci; npm cache clean --force",
        "npm ci && rm -rf /root/.npm",
        "npm ci && rm -rf ~/.npm",
        "npm ci && rm -rf /root/.npm/_cacache",  # the tarballs; logs are small
        "npm ci --cache /tmp/npm && rm -rf /tmp/npm",
        "npm ci --cache=/tmp/npm && rm -rf /tmp",
        "npm_config_cache=/tmp/npm npm ci && rm -rf /tmp/npm",
        "yarn install && yarn cache clean",
        "yarn && yarn cache clean --all",
        "yarn install && rm -rf /usr/local/share/.cache/yarn",
        "yarn install && rm -rf /usr/local/share/.cache",
        "yarn install --cache-folder /tmp/y && rm -rf /tmp/y",
        "YARN_CACHE_FOLDER=/tmp/y yarn && rm -rf /tmp/y",
        "sh -c 'npm ci' && npm cache clean --force",
        # not installs
        "npm run build",
        "npm test",
        "yarn build",
        "yarn run build",
        "npx tsc",
        "echo npm install",
    ],
)
def test_silent_when_cache_cleaned_or_no_install(run: str) -> None:
    assert hits(_run(run), RULE) == []


@pytest.mark.parametrize(
    ("mount", "run"),
    [
        ("type=cache,target=/root/.npm", "npm ci"),
        ("type=cache,target=/root", "npm ci"),
        ("type=tmpfs,target=/root/.npm", "npm ci"),
        ("type=cache,target=/usr/local/share/.cache/yarn", "yarn install"),
        ("type=cache,target=/tmp/npm", "npm ci --cache /tmp/npm"),
    ],
)
def test_cache_mount_exempts(mount: str, run: str) -> None:
    assert hits(_run(f"--mount={mount} {run}"), RULE) == []


def test_cache_mount_of_other_tool_does_not_exempt() -> None:
    text = _run("--mount=type=cache,target=/usr/local/share/.cache/yarn npm ci")
    assert lines(text, RULE) == [3]


def test_cache_dir_from_env() -> None:
    text = _run("npm ci && rm -rf /tmp/npm-cache", before="ENV npm_config_cache=/tmp/npm-cache\n")
    assert hits(text, RULE) == []
    text = _run("npm ci && rm -rf /root/.npm", before="ENV NPM_CONFIG_CACHE=/tmp/npm-cache\n")
    assert lines(text, RULE) == [4]


def test_non_root_user() -> None:
    text = """
        FROM node:20-slim
        USER node
        WORKDIR /home/node/app
        RUN npm ci && rm -rf /home/node/.npm
        RUN yarn install && rm -rf /home/node/.cache/yarn
        RUN npm ci && rm -rf /root/.npm
    """
    [finding] = hits(text, RULE)
    assert finding.line == 6
    assert "/home/node/.npm" in finding.message


def test_each_install_reported_at_its_command() -> None:
    text = """
        FROM node:20-slim
        RUN npm install -g pnpm \\
         && npm cache clean --force \\
         && cd /app && npm ci \\
         && yarn global add serve
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 16), (5, 5)]
    assert "npm cache clean --force" in found[0].message
    assert "yarn cache clean" in found[1].message


def test_heredoc_and_if() -> None:
    text = """
        FROM node:20-slim
        RUN <<EOF
        set -e
        if [ -f yarn.lock ]; then yarn install --frozen-lockfile; else npm ci; fi
        yarn cache clean
        EOF
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 64)]


def test_only_shipped_stages() -> None:
    text = """
        FROM node:20 AS build
        WORKDIR /app
        RUN npm ci && npm run build

        FROM node:20-slim
        COPY --from=build /app/dist /app/dist
        RUN npm install -g serve
    """
    assert lines(text, RULE) == [7]
    assert lines(text, RULE, target="build") == [3]
