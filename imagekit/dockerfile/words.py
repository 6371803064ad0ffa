"""Dockerfile-level words (ENV, ARG, LABEL, COPY, FROM arguments) and variable expansion."""

import re
from typing import NamedTuple


class DWord(NamedTuple):
    value: str
    """The word with quotes removed and escapes applied."""
    start: int
    end: int
    """Indices into the text that was split."""


def split_words(text: str, escape: str = "\\") -> list[DWord]:
    words: list[DWord] = []
    i = 0
    n = len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        out: list[str] = []
        quote = ""
        while i < n:
            c = text[i]
            if quote == "'":
                if c == "'":
                    quote = ""
                else:
                    out.append(c)
            elif c == escape and i + 1 < n:
                i += 1
                out.append(text[i])
            elif quote == '"':
                if c == '"':
                    quote = ""
                else:
                    out.append(c)
            elif c in "'\"":
                quote = c
            elif c.isspace():
                break
            else:
                out.append(c)
            i += 1
        words.append(DWord("".join(out), start, i))
    return words


def parse_assignments(text: str, escape: str = "\\") -> list[tuple[str, str | None, DWord]]:
    """``KEY=value`` pairs of ENV, ARG and LABEL; the legacy ``ENV KEY value`` form too."""
    words = split_words(text, escape)
    if not words:
        return []
    if "=" not in words[0].value and len(words) > 1:
        first = words[0]
        rest = text[words[1].start :].strip()
        return [(first.value, rest, first)]
    pairs: list[tuple[str, str | None, DWord]] = []
    for word in words:
        key, eq, value = word.value.partition("=")
        pairs.append((key, value if eq else None, word))
    return pairs


_VAR = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def expand(text: str, variables: dict[str, str | None]) -> tuple[str, bool]:
    """Substitute ``$VAR``, ``${VAR}``, ``${VAR:-x}``, ``${VAR:+x}`` with known values.

    Returns the result and whether every variable had a known value.
    """
    resolved = True

    def substitute(match: re.Match[str]) -> str:
        nonlocal resolved
        name = match.group(1) or match.group(4)
        op, word = match.group(2), match.group(3) or ""
        known = name in variables and variables[name] is not None
        value = variables.get(name) or ""
        if op in (":-", "-"):
            if not known or (op == ":-" and value == ""):
                return word
            return value
        if op in (":+", "+"):
            if not known:
                resolved = False
                return ""
            return word if (value != "" or op == "+") else ""
        if not known:
            resolved = False
        return value

    return _VAR.sub(substitute, text), resolved
