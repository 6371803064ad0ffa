"""IK512 secret-in-env-or-arg: an ENV or ARG whose name says it holds a secret.

Every ENV and ARG is judged, global ARGs before the first FROM too. The name is split into
words at ``_``, ``-``, ``.`` and lower-to-upper case changes (``apiKey`` is ``api``,
``key``), compared without case. It names a secret when one word is a secret word
(``PASSWORD``, ``PASSWD``, ``PASS``, ``PASSPHRASE``, ``SECRET``, ``TOKEN``, ``APIKEY``,
``CREDENTIALS`` ...), two adjacent words are ``API KEY``, ``PRIVATE KEY`` or ``ACCESS KEY``,
or the last word is ``AUTH``. It does not when a word after the last secret word says what
kind of thing about the secret the value is: a place (``*_FILE``, ``*_PATH``, ``*_DIR``,
``*_URL``), a name or id (``AWS_ACCESS_KEY_ID``), a limit (``PASSWORD_MIN_LENGTH``).
Words only containing a secret word (``TOKENIZERS_PARALLELISM``) do not count. An ENV
whose value is empty or an absolute path (``ENV SSL_PRIVATE_KEY=/etc/ssl/key.pem``) is
not reported: no secret is baked in. An ARG is reported with or without a default, since
the value given with ``--build-arg`` is recorded in the image history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK512"
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "credential",
        "credentials",
    }
)
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
_QUALIFIERS = frozenset(
    {
        "file",
        "files",
        "path",
        "dir",
        "directory",
        "url",
        "uri",
        "endpoint",
        "host",
        "id",
        "name",
        "user",
        "username",
        "type",
        "length",
        "len",
        "min",
        "max",
        "days",
        "age",
        "ttl",
        "timeout",
        "expiry",
        "header",
        "env",
        "var",
        "enabled",
        "required",
        "policy",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def check(ctx: Context) -> Iterator[Violation]:
    escape = ctx.dockerfile.escape
    for instruction in ctx.dockerfile.instructions:
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        for key, value, word in parse_assignments(instruction.args, escape):
            if not names_secret(key):
                continue
            if instruction.keyword == "ENV" and (not value or value.strip("'\"").startswith("/")):
                continue
            yield _at_key(ctx, instruction, word.start, len(key), key)


def names_secret(key: str) -> bool:
    """True when the ENV/ARG name ``key`` says its value is a secret (see the module doc)."""
    words = [w.lower() for w in _WORD.findall(key)]
    last_secret = -1
    for i, word in enumerate(words):
        if word in _SECRET_WORDS or (i > 0 and (words[i - 1], word) in _SECRET_PAIRS):
            last_secret = i
    if last_secret == -1:
        return bool(words) and words[-1] == "auth"
    return not any(w in _QUALIFIERS for w in words[last_secret + 1 :])


def _at_key(ctx: Context, instruction: Instruction, start: int, length: int, key: str) -> Violation:
    line = instruction.line
    at = instruction.args_at + start
    return ctx.violation(
        RULE,
        line.source_offset(at),
        line.source_end(at + length),
        f"{instruction.keyword} `{key}` looks like a secret: "
        + (
            "ENV values are stored in the image configuration for anyone who pulls it"
            if instruction.keyword == "ENV"
            else "build arguments are recorded in the image history"
        )
        + "; pass it to the RUN that needs it with `RUN --mount=type=secret,id=...`",
    )
