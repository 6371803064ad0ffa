"""Split Dockerfile text into instructions, keeping exact source positions.

Follows BuildKit's line rules: parser directives at the top, comments and empty lines
skipped (also inside continuations), the escape character at the end of a line joins
the next one, heredocs (``<<EOF``, ``<<-EOF``, quoted names, several per line) for
RUN, COPY and ADD.
"""

import re
from typing import NamedTuple

from imagekit.dockerfile.model import Comment, Flag, Heredoc, Instruction, Logical
from imagekit.dockerfile.source import Problem

_DIRECTIVE = re.compile(r"#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.+?)\s*$")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC_WORD = re.compile(r"(\d*)<<(-?)([^<]*)")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_EXEC_FORM_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"})
# The usual exec form: a JSON array of strings without escapes or control characters.
# json.loads would give exactly the quoted texts, so they are taken without loading json.
_PLAIN_STRING = r'"[^"\\\x00-\x1f]*"'
_PLAIN_JSON_ARRAY = re.compile(
    rf"[ \t\n\r]*\[[ \t\n\r]*(?:{_PLAIN_STRING}[ \t\n\r]*"
    rf"(?:,[ \t\n\r]*{_PLAIN_STRING}[ \t\n\r]*)*)?\][ \t\n\r]*"
)
_QUOTED = re.compile(r'"([^"]*)"')


class Split(NamedTuple):
    instructions: tuple[Instruction, ...]
    comments: tuple[Comment, ...]
    directives: dict[str, str]
    escape: str
    problems: tuple[Problem, ...]


class _Lines:
    """Physical lines as (start, end) offsets, end excluding the newline and CRs before it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def next(self) -> tuple[int, int] | None:
        text = self.text
        if self.pos >= len(text):
            return None
        start = self.pos
        nl = text.find("\n", start)
        if nl == -1:
            end = len(text)
            self.pos = len(text)
        else:
            end = nl
            self.pos = nl + 1
        while end > start and text[end - 1] == "\r":
            end -= 1
        return start, end


# What Go's unicode.IsSpace accepts, which BuildKit strips before an instruction.
_SPACE = frozenset(
    " \t\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _skip_ws(text: str, i: int, end: int) -> int:
    while i < end and text[i] in _SPACE:
        i += 1
    return i


def split(text: str) -> Split:
    lines = _Lines(text)
    directives: dict[str, str] = {}
    escape = "\\"
    in_directives = True
    comments: list[Comment] = []
    pending: list[Comment] = []
    instructions: list[Instruction] = []
    problems: list[Problem] = []

    while (bounds := lines.next()) is not None:
        start, end = bounds
        first = _skip_ws(text, start, end)
        if first == end:
            in_directives = False
            pending = []
            continue
        if text[first] == "#":
            body = text[first:end]
            if in_directives:
                match = _DIRECTIVE.match(body)
                if match and match.group(1).lower() in _KNOWN_DIRECTIVES:
                    key = match.group(1).lower()
                    if key in directives:
                        problems.append(
                            Problem(f"only one {key} parser directive can be used", first, end)
                        )
                        continue
                    directives[key] = match.group(2)
                    if key == "escape":
                        if match.group(2) in ("\\", "`"):
                            escape = match.group(2)
                        else:
                            problems.append(
                                Problem(
                                    f"invalid escape directive {match.group(2)!r}: use \\ or `",
                                    first,
                                    end,
                                )
                            )
                    continue
            in_directives = False
            comment = Comment(body, first, end)
            comments.append(comment)
            pending.append(comment)
            continue
        in_directives = False
        instruction, trailing = _read_instruction(text, lines, first, end, escape, problems)
        instruction = instruction._replace(comments=tuple(pending), index=len(instructions))
        instructions.append(instruction)
        comments.extend(trailing)
        pending = []
    return Split(tuple(instructions), tuple(comments), directives, escape, tuple(problems))


def _continues(text: str, start: int, end: int, escape: str) -> int | None:
    """If the line ends with the escape character (spaces after it allowed), where it is.

    As in BuildKit, an escape character preceded by another one (``a\\``) is an escaped
    character, not a continuation.
    """
    i = end
    while i > start and text[i - 1] in " \t":
        i -= 1
    if i > start and text[i - 1] == escape and (i - 1 == start or text[i - 2] != escape):
        return i - 1
    return None


def _read_instruction(
    text: str,
    lines: _Lines,
    first: int,
    end: int,
    escape: str,
    problems: list[Problem],
) -> tuple[Instruction, list[Comment]]:
    pieces: list[tuple[int, int]] = []
    parts: list[str] = []
    length = 0
    last_end = end
    inner_comments: list[Comment] = []

    def add(s: int, e: int) -> None:
        nonlocal length
        if e > s:
            pieces.append((length, s))
            parts.append(text[s:e])
            length += e - s

    cont = _continues(text, first, end, escape)
    add(first, end if cont is None else cont)
    while cont is not None:
        bounds = lines.next()
        if bounds is None:
            break
        s, e = bounds
        f = _skip_ws(text, s, e)
        if f < e and text[f] == "#":
            inner_comments.append(Comment(text[f:e], f, e))
            continue
        if f == e:
            continue
        last_end = e
        cont = _continues(text, s, e, escape)
        add(s, e if cont is None else cont)
    if not pieces:
        pieces.append((0, first))
    logical = Logical("".join(parts), tuple(pieces))
    line_text = logical.text

    i = 0
    while i < len(line_text) and line_text[i] not in " \t\v\f\r":
        i += 1
    keyword = line_text[:i].upper()
    i = _skip_ws(line_text, i, len(line_text))
    flags: list[Flag] = []
    while line_text.startswith("--", i):
        j = _word_end(line_text, i)
        if j < 0:
            j = len(line_text)
        if j == i + 2:  # a lone `--` ends the flags
            i = _skip_ws(line_text, j, len(line_text))
            break
        word = _unquote(line_text[i + 2 : j])
        name, eq, value = word.partition("=")
        flags.append(
            Flag(
                name.lower(),
                value if eq else None,
                logical.source_offset(i),
                logical.source_end(j),
            )
        )
        i = _skip_ws(line_text, j, len(line_text))
    args_at = i
    args = line_text[args_at:]

    exec_form: tuple[str, ...] | None = None
    if keyword in _EXEC_FORM_KEYWORDS and args.lstrip().startswith("["):
        parsed: object
        try:
            parsed = _json_loads(args)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
            exec_form = tuple(parsed)
        elif isinstance(parsed, list):
            problems.append(
                Problem(
                    "a JSON array form must hold strings only",
                    logical.source_offset(args_at),
                    logical.source_end(len(line_text)),
                )
            )

    heredocs: list[Heredoc] = []
    if exec_form is None and _heredoc_keyword(keyword, args) and "<<" in args:
        for strip_tabs, quoted, name in _heredoc_names(args):
            body_parts: list[str] = []
            body_start = -1
            terminated = False
            while (bounds := lines.next()) is not None:
                s, e = bounds
                if body_start < 0:
                    body_start = s
                candidate = text[s:e].lstrip("\t") if strip_tabs else text[s:e]
                last_end = e
                if candidate == name:
                    terminated = True
                    break
                # Verbatim, line endings included, so offsets into the body stay exact.
                body_parts.append(text[s : lines.pos])
            if body_start < 0:
                body_start = len(text)
            if not terminated:
                problems.append(
                    Problem(
                        f"unterminated heredoc <<{name}: no line {name!r} closes it",
                        logical.source_offset(0),
                        last_end,
                    )
                )
            heredocs.append(Heredoc(name, "".join(body_parts), body_start, quoted, strip_tabs))

    instruction = Instruction(
        keyword=keyword,
        line=logical,
        flags=tuple(flags),
        args_at=args_at,
        heredocs=tuple(heredocs),
        exec_form=exec_form,
        start=first,
        end=last_end,
    )
    return instruction, inner_comments


def _json_loads(text: str) -> object:
    if _PLAIN_JSON_ARRAY.fullmatch(text):
        return _QUOTED.findall(text)
    import json

    return json.loads(text)


def _heredoc_keyword(keyword: str, args: str) -> bool:
    """RUN, COPY and ADD take heredocs, also as the instruction of an ONBUILD."""
    if keyword == "ONBUILD":
        inner = args.split(maxsplit=1)
        return bool(inner) and inner[0].upper() in _HEREDOC_KEYWORDS
    return keyword in _HEREDOC_KEYWORDS


def _word_end(text: str, i: int) -> int:
    """End of a whitespace-delimited word starting at ``i``.

    Quotes may contain spaces and a backslash escapes the next character, as in
    BuildKit's flag and heredoc word splitting. Returns -1 for an unterminated quote.
    """
    quote = ""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c.isspace():
            break
        i += 1
    return -1 if quote else min(i, n)


def _unquote(word: str) -> str:
    """A flag word as BuildKit passes it on: quotes removed, backslash escapes applied."""
    out: list[str] = []
    quote = ""
    i = 0
    n = len(word)
    while i < n:
        c = word[i]
        if c == "\\":
            if i + 1 < n:
                out.append(word[i + 1])
            i += 2
            continue
        if quote:
            if c == quote:
                quote = ""
            else:
                out.append(c)
        elif c in "'\"":
            quote = c
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _heredoc_name(word: str) -> tuple[str, bool]:
    """The terminator a heredoc word names, shell quoting removed; and whether it was quoted."""
    out: list[str] = []
    quote = ""
    i = 0
    n = len(word)
    while i < n:
        c = word[i]
        if quote == "'":
            if c == "'":
                quote = ""
            else:
                out.append(c)
        elif c == "\\" and i + 1 < n and (not quote or word[i + 1] in '$`"\\'):
            out.append(word[i + 1])
            i += 1
        elif quote == '"':
            if c == '"':
                quote = ""
            else:
                out.append(c)
        elif c in "'\"":
            quote = c
        else:
            out.append(c)
        i += 1
    return "".join(out), "'" in word or '"' in word


def _heredoc_names(args: str) -> list[tuple[bool, bool, str]]:
    """Heredocs as BuildKit finds them.

    Every whitespace-separated word that is ``[n]<<[-]NAME`` in full names one (NAME may be
    quoted in part or whole, and holds no ``<``): ``<<EOF;`` ends at a line ``EOF;``.
    """
    found: list[tuple[bool, bool, str]] = []
    i = 0
    n = len(args)
    while i < n:
        i = _skip_space(args, i, n)
        if i >= n:
            break
        j = _word_end(args, i)
        if j < 0:
            return []  # an unterminated quote: BuildKit finds no heredocs on the line
        match = _HEREDOC_WORD.fullmatch(args, i, j)
        if match and match.group(3):
            name, quoted = _heredoc_name(match.group(3))
            if name:
                found.append((match.group(2) == "-", quoted, name))
        i = j
    return found


def _skip_space(text: str, i: int, end: int) -> int:
    while i < end and text[i].isspace():
        i += 1
    return i
