"""IK512 secret-in-env-or-arg: an ENV or ARG whose name says it holds a secret."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from imagekit.lint.checks.ik512_secret_in_env_or_arg import names_secret
from tests.support.lint import hits, lines, run_spans

RULE = "IK512"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 20), (3, 5, 22)]
    assert "ARG `PIP_INDEX_TOKEN`" in found[0].message
    assert "image history" in found[0].message
    assert "ENV `DATABASE_PASSWORD`" in found[1].message
    assert "image configuration" in found[1].message
    assert "--mount=type=secret" in found[1].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    "key",
    [
        "PASSWORD",
        "DB_PASSWORD",
        "db_passwd",
        "DB_PASS",
        "GPG_PASSPHRASE",
        "CLIENT_SECRET",
        "SECRET_KEY_BASE",
        "GITHUB_TOKEN",
        "NPM_AUTH_TOKEN",
        "API_KEY",
        "STRIPE_APIKEY",
        "apiKey",
        "ssh-private-key",
        "AWS_SECRET_ACCESS_KEY",
        "AZURE_CREDENTIALS",
        "NPM_AUTH",
        "BASIC_AUTH",
    ],
)
def test_secret_names(key: str) -> None:
    assert names_secret(key)


@pytest.mark.parametrize(
    "key",
    [
        "TOKENIZERS_PARALLELISM",
        "PASSWORD_FILE",
        "DB_PASSWORD_PATH",
        "SECRETS_DIR",
        "TOKEN_URL",
        "AWS_ACCESS_KEY_ID",
        "PASSWORD_MIN_LENGTH",
        "PASS_MIN_DAYS",
        "AUTH_URL",
        "AUTHOR",
        "BYPASS_PROXY",
        "KEYBOARD",
        "PWD",
        "PATH",
        "API_URL",
        "PUBLIC_KEY",
        "",
    ],
)
def test_names_that_are_not_secrets(key: str) -> None:
    assert not names_secret(key)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ENV DB_PASSWORD=hunter2", [(2, 5, 16)]),
        ("ENV DB_PASSWORD hunter2", [(2, 5, 16)]),
        ('ENV A=1 API_KEY="abc def" B=2', [(2, 9, 16)]),
        ("ARG GITHUB_TOKEN", [(2, 5, 17)]),
        ("ARG GITHUB_TOKEN=", [(2, 5, 17)]),
        ("ARG NPM_TOKEN=default", [(2, 5, 14)]),
        ("ENV TOKEN=$TOKEN", [(2, 5, 10)]),
        ("ENV A=1 \\\n    DB_PASS=x", [(3, 5, 12)]),
    ],
)
def test_reported_settings(body: str, expected: list[tuple[int, int, int]]) -> None:
    assert run_spans(RULE, body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "ENV DB_PASSWORD=",
        'ENV DB_PASSWORD=""',
        "ENV SSL_PRIVATE_KEY=/etc/ssl/private/key.pem",
        'ENV SSL_PRIVATE_KEY="/etc/ssl/private/key.pem"',
        "ENV PASSWORD_FILE=/run/secrets/db",
        "ARG TOKENIZERS_PARALLELISM=false",
        "LABEL SECRET=yes",
        "RUN DB_PASSWORD=x make",
    ],
)
def test_settings_not_reported(body: str) -> None:
    assert run_spans(RULE, body) == []


def test_global_arg_and_every_stage() -> None:
    text = """\
        ARG REGISTRY_TOKEN
        FROM golang:1.22 AS build
        ARG GOPROXY_PASSWORD
        FROM scratch
        ENV APP_SECRET=s3cr3t
        """
    assert lines(text, RULE) == [1, 3, 5]
