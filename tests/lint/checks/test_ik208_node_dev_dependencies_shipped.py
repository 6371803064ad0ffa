"""IK208 node-dev-dependencies-shipped: npm/yarn install devDependencies in a shipped stage.

Decision: ``npm install PKG`` (named packages) and ``npm install -g`` add packages rather
than install the project's dependencies, so they are not judged; nor is ``yarn add``.
"""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK208"


def _run(run: str, before: str = "") -> str:
    return f"FROM node:20-slim\nWORKDIR /app\n{before}RUN {run}\n"


@pytest.mark.parametrize(
    ("run", "advice"),
    [
        ("npm ci", "npm ci --omit=dev"),
        ("npm install", "npm install --omit=dev"),
        ("npm i", "npm i --omit=dev"),
        ("npm clean-install", "npm clean-install --omit=dev"),
        ("npm --prefix web ci", "npm ci --omit=dev"),
        ("npm ci --omit=optional", "npm ci --omit=dev"),
        ("npm ci --production=false", "npm ci --omit=dev"),
        ("npm ci --omit=dev --include=dev", "npm ci --omit=dev"),
        ("npm ci --only=dev", "npm ci --omit=dev"),
        ("yarn", "yarn install --production"),
        ("yarn --frozen-lockfile", "yarn install --production"),
        ("yarn install --frozen-lockfile", "yarn install --production"),
        ("yarn install --production=false", "yarn install --production"),
        ("yarn --cwd web install", "yarn install --production"),
        # a prune in a later RUN does not shrink this layer
        ("npm ci && npm run build", "npm ci --omit=dev"),
        ("npm ci && npm prune", "npm ci --omit=dev"),
        ("npm ci && npm prune --omit=optional", "npm ci --omit=dev"),
        ("npm ci && npm install express", "npm ci --omit=dev"),
        ("sh -c 'npm ci'", "npm ci --omit=dev"),
    ],
)
def test_flags_installs_with_dev_dependencies(run: str, advice: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 3
    assert f"`{advice}`" in finding.message
    assert "NODE_ENV=production" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "npm ci --omit=dev",
        "npm ci --omit dev",
        "npm ci --omit=dev --omit=optional",
        "npm ci --omit=optional,dev",
        "npm install --only=production",
        "npm install --only=prod",
        "npm ci --production",
        "npm ci --production=true",
        "NODE_ENV=production npm ci",
        "env NODE_ENV=production npm ci",
        "npm_config_omit=dev npm ci",
        "NPM_CONFIG_PRODUCTION=true npm ci",
        "yarn install --production",
        "yarn --production=true --frozen-lockfile",
        "yarn install --prod",
        "NODE_ENV=production yarn install",
        "YARN_PRODUCTION=true yarn install",
        "npm ci && npm run build && npm prune --omit=dev",
        "npm ci && npm run build && npm prune --production",
        "npm ci && npm run build && npm ci --omit=dev",
        "yarn install && yarn build && yarn install --production --ignore-scripts",
        # adding named packages, not the project's dependencies
        "npm install express",
        "npm install -g serve",
        "npm install --global pnpm@9",
        "npm i --save-dev typescript",
        "yarn add left-pad",
        "yarn global add serve",
        # not installs
        "npm run build",
        "yarn build",
        "npm prune --omit=dev",
        "echo npm ci",
    ],
)
def test_silent_for_production_installs(run: str) -> None:
    assert hits(_run(run), RULE) == []


@pytest.mark.parametrize("keyword", ["ENV", "ARG"])
@pytest.mark.parametrize("run", ["npm ci", "yarn install", "npm ci && npm prune"])
def test_node_env_production_in_stage(keyword: str, run: str) -> None:
    assert hits(_run(run, before=f"{keyword} NODE_ENV=production\n"), RULE) == []


@pytest.mark.parametrize("value", ["development", "Production", "prod", ""])
def test_other_node_env_values_do_not_count(value: str) -> None:
    assert lines(_run("npm ci", before=f"ENV NODE_ENV={value}\n"), RULE) == [4]


def test_node_env_from_a_variable_may_be_production() -> None:
    assert hits(_run("npm ci", before="ARG MODE\nENV NODE_ENV=$MODE\n"), RULE) == []
    assert hits(_run("npm ci", before="ENV NODE_ENV=${MODE:-production}\n"), RULE) == []


def test_explicit_dev_overrides_node_env() -> None:
    before = "ENV NODE_ENV=production\n"
    assert lines(_run("npm ci --include=dev", before), RULE) == [4]
    assert lines(_run("yarn install --production=false", before), RULE) == [4]


def test_node_env_set_after_the_install_does_not_count() -> None:
    text = """
        FROM node:20-slim
        RUN npm ci
        ENV NODE_ENV=production
    """
    assert lines(text, RULE) == [2]


def test_node_env_from_parent_stage() -> None:
    text = """
        FROM node:20-slim AS base
        ENV NODE_ENV=production

        FROM base
        RUN npm ci && npm cache clean --force
    """
    assert hits(text, RULE) == []


def test_build_stage_is_not_shipped() -> None:
    text = """
        FROM node:20 AS build
        WORKDIR /app
        RUN npm ci && npm run build

        FROM node:20-slim AS deps
        WORKDIR /app
        RUN npm ci --omit=dev

        FROM deps
        COPY --from=build /app/dist ./dist
    """
    assert hits(text, RULE) == []
    assert lines(text, RULE, target="build") == [3]


def test_position_and_heredoc() -> None:
    text = """
        FROM node:20-slim
        RUN <<EOF
        set -e
        if [ -f yarn.lock ]; then yarn install --production; else npm ci; fi
        EOF
        RUN cd /app \\
         && npm ci \\
         && npm cache clean --force
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 59), (7, 5)]
