"""Inline suppression comments.

``# imagekit ignore=IK101,apt-lists-left`` on the comment lines directly above an
instruction ignores those rules for findings inside that instruction;
``# imagekit global ignore=...`` anywhere in the file ignores them for the whole file.
hadolint's own ``# hadolint ignore=DL3008,SC2086`` and ``# hadolint global ignore=...``
are honoured too, for the DL codes that map to exactly one imagekit rule (``imagekit
rules`` shows the map) and for ShellCheck codes.

Rules are named by id or name; what a token means is decided by a resolver passed in.
Syntax errors (IK001) cannot be ignored.
"""

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from imagekit.dockerfile import Dockerfile

UNIGNORABLE = frozenset({"IK001"})

_DIRECTIVE = re.compile(
    r"^#\s*(?P<tool>imagekit|hadolint)\s+(?P<scope>global\s+)?ignore\s*=\s*(?P<rules>.*)$",
    re.IGNORECASE,
)


class Suppressions(NamedTuple):
    whole_file: frozenset[str]
    spans: tuple[tuple[int, int, frozenset[str]], ...]
    """(start, end, rule ids) of instructions with an ignore comment above them."""

    def ignores(self, rule: str, start: int) -> bool:
        if rule in UNIGNORABLE:
            return False
        if rule in self.whole_file:
            return True
        return any(a <= start <= b and rule in ids for a, b, ids in self.spans)

    def __bool__(self) -> bool:
        return bool(self.whole_file or self.spans)


NONE = Suppressions(frozenset(), ())


def _tokens(match: re.Match[str]) -> list[str]:
    text = match.group("rules").split("#", 1)[0]
    return [t for t in re.split(r"[\s,]+", text.strip()) if t]


def directive(text: str) -> tuple[bool, list[str]] | None:
    """``(is_global, tokens)`` of an ignore comment, or None for other comments."""
    match = _DIRECTIVE.match(text.strip())
    if match is None:
        return None
    return bool(match.group("scope")), _tokens(match)


def _resolve_all(tokens: Iterable[str], resolve: Callable[[str], str | None]) -> frozenset[str]:
    return frozenset(rule for rule in map(resolve, tokens) if rule is not None)


def suppressions(dockerfile: Dockerfile, resolve: Callable[[str], str | None]) -> Suppressions:
    """The ignore comments of ``dockerfile``; ``resolve`` maps a token to a rule id or None."""
    whole: set[str] = set()
    for comment in dockerfile.comments:
        if "ignore" not in comment.text:
            continue
        found = directive(comment.text)
        if found is not None and found[0]:
            whole |= _resolve_all(found[1], resolve)
    spans: list[tuple[int, int, frozenset[str]]] = []
    for instruction in dockerfile.instructions:
        ids: set[str] = set()
        for comment in instruction.comments:
            found = directive(comment.text) if "ignore" in comment.text else None
            if found is not None and not found[0]:
                ids |= _resolve_all(found[1], resolve)
        if ids:
            spans.append((instruction.start, instruction.end, frozenset(ids)))
    return Suppressions(frozenset(whole), tuple(spans))
