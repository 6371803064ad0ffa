"""IK103's fix: a recursive chown/chmod over what one COPY put there moves into that COPY.

Decisions: the fix is unsafe (files other instructions put there, and a directory that
existed before the copy, keep their owner); ``--chmod`` only where the Dockerfile already
needs BuildKit; the command leaves its RUN (the whole RUN when it was the only command).
"""

from __future__ import annotations

import dockerfile as buildkit
import pytest

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding, FixSafety
from imagekit.lint.fixer import apply_fixes, fix_text

RULE = "IK103"
HEAD = "FROM python:3.12-slim\nRUN useradd --system app\n"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(LintOptions())


def _found(linter: Linter, text: str) -> Finding:
    [finding] = [f for f in linter.lint_text(text) if f.rule == RULE]
    return finding


CASES = [
    (  # the RUN holds nothing else: it goes
        "COPY src/ /srv/app/\nRUN chown -R app:app /srv/app\nUSER app\n",
        "COPY --chown=app:app src/ /srv/app/\nUSER app\n",
    ),
    (  # relative to WORKDIR, with other commands before it on continuation lines
        "WORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt \\\n"
        "    && chown -R nobody:nogroup /app\n",
        "WORKDIR /app\nCOPY --chown=nobody:nogroup . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n",
    ),
    (  # first of a chain, CRLF line endings, a uid:gid and -v
        "COPY --from=build /out/ /opt/tool/\r\nRUN chown -Rv 1000:1000 /opt/tool && ls /opt\r\n",
        "COPY --chown=1000:1000 --from=build /out/ /opt/tool/\r\nRUN ls /opt\r\n",
    ),
    (  # in the middle of a chain; a user alone
        "ADD vendor.tar.gz /opt/vendor/\nRUN true; chown --recursive app /opt/vendor; ls\n",
        "ADD --chown=app vendor.tar.gz /opt/vendor/\nRUN true; ls\n",
    ),
    (  # chmod, where BuildKit is needed already (a cache mount)
        "COPY bin/ /usr/local/lib/tools/\nRUN --mount=type=cache,target=/root/.cache "
        "chmod -R 0755 /usr/local/lib/tools\n",
        "COPY --chmod=0755 bin/ /usr/local/lib/tools/\n",
    ),
]


@pytest.mark.parametrize(("before", "after"), CASES)
def test_fix_text(linter: Linter, before: str, after: str) -> None:
    if "--mount" in before:
        before = "# syntax=docker/dockerfile:1\n" + HEAD + before
        after = "# syntax=docker/dockerfile:1\n" + HEAD + after
    else:
        before, after = HEAD + before, HEAD + after
    finding = _found(linter, before)
    assert finding.fix is not None
    assert finding.fix.safety is FixSafety.UNSAFE
    assert "unsafe" in finding.fix.description
    assert apply_fixes(before, [finding], unsafe=False)[0] == before
    assert apply_fixes(before, [finding], unsafe=True)[0] == after
    fixed, _, remaining = fix_text(linter, before, unsafe=True)
    assert not [f for f in remaining if f.rule == RULE]
    assert fix_text(linter, fixed, unsafe=True)[0] == fixed
    buildkit.parse_string(fixed)


def test_description_names_the_copy_and_what_stays(linter: Linter) -> None:
    text = HEAD + "COPY src/ /srv/app/\nRUN chown -R app:app /srv/app\n"
    fix = _found(linter, text).fix
    assert fix is not None
    assert "COPY on line 3 (`COPY --chown=app:app`)" in fix.description
    assert "/srv/app itself if it existed before the COPY" in fix.description


def test_example_service_is_fixed_in_one_go_with_unsafe_fixes(linter: Linter) -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        "RUN chown -R nobody:nogroup /app\nUSER nobody\n"
    )
    fixed, applied, remaining = fix_text(linter, text, unsafe=True)
    assert fixed == (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY --chown=nobody:nogroup . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nUSER nobody\n"
    )
    assert {f.rule for f in applied} >= {"IK103", "IK204"}
    assert not [f for f in remaining if f.rule in ("IK101", "IK103")]
    # Safe fixes alone merge the RUNs (IK101) and leave IK103 to --unsafe-fixes.
    safe, _, left = fix_text(linter, text)
    assert "chown -R nobody:nogroup /app" in safe
    assert [f.rule for f in left if f.rule == RULE] == [RULE]
    # and the merged RUN is fixed from there: the chown leaves the chain.
    assert fix_text(linter, safe, unsafe=True)[0] == fixed


NO_FIX = [
    # chmod where the classic builder may build the file (no BuildKit feature in use)
    "COPY bin/ /opt/tools/\nRUN chmod -R 0755 /opt/tools\n",
    # a symbolic mode COPY --chmod does not take everywhere
    "# syntax=docker/dockerfile:1\nCOPY bin/ /opt/tools/\nRUN chmod -R u+x /opt/tools\n",
    # not exactly what the COPY put there: a parent, a child, two copies into one place
    "COPY src/ /srv/app/src/\nRUN chown -R app:app /srv/app\n",
    "COPY src/ /srv/app/\nRUN chown -R app:app /srv/app/static\n",
    "COPY src/ /srv/app/\nCOPY conf/ /srv/app/\nRUN chown -R app:app /srv/app\n",
    # a COPY of several sources, one that sets the owner already, another stage's COPY
    "COPY a.py b.py /srv/app/\nRUN chown -R app:app /srv/app\n",
    "COPY --chown=root:app src/ /srv/app/\nRUN chown -R app:app /srv/app\n",
    "FROM python:3.12-slim AS base\nCOPY src/ /srv/app/\nFROM base\nRUN chown -R app:app /srv/app\n",
    # options that change what is touched, a second path, an owner from a variable
    "COPY src/ /srv/app/\nRUN chown -RL app:app /srv/app\n",
    "COPY src/ /srv/app/\nRUN chown -R --from=root app:app /srv/app\n",
    "COPY src/ /srv/app/\nRUN chown -R app:app /srv/app /var/log/app\n",
    "COPY src/ /srv/app/\nRUN chown -R $APP_USER /srv/app\n",
    "COPY src/ /srv/app/\nRUN chown -R --reference=/etc /srv/app\n",
    # commands it cannot be taken out of cleanly
    "COPY src/ /srv/app/\nRUN make || chown -R app:app /srv/app\n",
    "COPY src/ /srv/app/\nRUN chown -R app:app /srv/app 2>/dev/null\n",
    "COPY src/ /srv/app/\nRUN (chown -R app:app /srv/app)\n",
    "COPY src/ /srv/app/\nRUN chown -R app:app /srv/app | tee /tmp/log\n",
    'COPY src/ /srv/app/\nRUN ["chown", "-R", "app:app", "/srv/app"]\n',
    "COPY src/ /srv/app/\nRUN <<EOF\nchown -R app:app /srv/app\nEOF\n",
]


@pytest.mark.parametrize("body", NO_FIX)
def test_no_fix(linter: Linter, body: str) -> None:
    if body.startswith("FROM"):
        text = body
    elif body.startswith("#"):
        text = body.replace("\n", "\n" + HEAD, 1)
    else:
        text = HEAD + body
    found = [f for f in linter.lint_text(text) if f.rule == RULE]
    assert found, text
    assert all(f.fix is None for f in found)
