"""IK532 npm-version-unpinned: npm install PKG without an @version."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, listed_names, run_spans

RULE = "IK532"
BASE = "FROM node:22-slim\n"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 30)]
    assert "`typescript`" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "names"),
    [
        ("RUN npm install express", ["express"]),
        ("RUN npm install express@4.21.1 lodash", ["lodash"]),
        ("RUN npm install @types/node", ["@types/node"]),
        ("RUN npm install @types/node@", ["@types/node@"]),
        ("RUN npm install express@latest", ["express@latest"]),
        ("RUN npm i -g pm2", ["pm2"]),
        ("RUN npm add --save-dev jest", ["jest"]),
        ("RUN npm --prefix /opt/app install express", ["express"]),
        ("RUN npm install --omit dev express", ["express"]),
    ],
)
def test_unpinned_packages(run: str, names: list[str]) -> None:
    """Unlike hadolint, the aliases (``npm i``, ``npm add``) are judged too."""
    assert listed_names(RULE, run, BASE) == names


@pytest.mark.parametrize(
    "run",
    [
        "RUN npm install",
        "RUN npm install --omit=dev",
        "RUN npm ci",
        "RUN npm ci --omit=dev",
        "RUN npm install express@4.21.1",
        "RUN npm install express@^4.21.1",
        "RUN npm install @types/node@22.7.4",
        "RUN npm install git+https://git.example.com/team/tool.git",
        "RUN npm install github:team/tool",
        "RUN npm install team/tool",
        "RUN npm install ./packages/tool",
        "RUN npm install /tmp/tool-1.0.0.tgz",
        "RUN npm install tool-1.0.0.tgz",
        "RUN npm install https://files.example.com/tool.tgz",
        "RUN npm install $PACKAGES",
        "RUN npm uninstall express",
        "RUN npm run build",
        "RUN yarn add express",
        "RUN echo npm install express",
    ],
)
def test_pinned_or_not_judged(run: str) -> None:
    assert run_spans(RULE, run, BASE) == []


def test_span_exec_form_and_sh_dash_c() -> None:
    assert run_spans(RULE, "RUN npm ci && npm install pm2", BASE) == [(2, 15, 30)]
    exec_form = 'RUN ["npm", "install", "pm2"]'
    assert run_spans(RULE, exec_form, BASE) == [(2, 1, len(exec_form) + 1)]
    assert run_spans(RULE, "RUN sh -c 'npm install pm2'", BASE) == [(2, 12, 27)]


def test_heredoc_continuation_and_every_stage() -> None:
    text = """\
        FROM node:22-slim AS build
        RUN npm install -g \\
            typescript
        FROM node:22-slim
        RUN <<EOF
        npm install -g pm2@5.4.2
        EOF
        """
    assert lines(text, RULE) == [2]
