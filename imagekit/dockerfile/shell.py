"""RUN bodies parsed as shell (tree-sitter-bash), flattened into simple commands.

Every command anywhere in the script is found: in ``&&``/``||``/``;`` lists, pipelines,
subshells, ``if``/``case``/loops, ``$(...)``, ``sh -c '...'`` strings and heredoc
bodies fed to a shell. Words keep their source offsets in the Dockerfile, so findings
point at the offending command inside a multi-line RUN.
"""

import bisect
import posixpath
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from imagekit.dockerfile.model import Instruction, Logical

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
_WRAPPERS = frozenset({"sudo", "env", "exec", "command", "nice", "nohup", "time", "xargs"})
_WRAPPER_VALUE_OPTIONS = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
    "env": frozenset({"-u", "-C", "-S"}),
    "nice": frozenset({"-n"}),
    "xargs": frozenset({"-n", "-P", "-L", "-I", "-d", "-E", "-s", "-a"}),
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_MAX_DEPTH = 4
_MAX_NODES = 200_000
_ARGUMENT_TYPES = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "concatenation",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "number",
        "ansi_c_string",
        "translated_string",
        "arithmetic_expansion",
        "process_substitution",
        "brace_expression",
    }
)


class Word(NamedTuple):
    text: str
    """The word as the command sees it, quotes removed; expansions stay as written."""
    start: int
    end: int
    """Offsets in the Dockerfile text."""


class Command(NamedTuple):
    name: str
    """Program name without directory, e.g. ``apt-get``; wrappers like sudo are looked through."""
    args: tuple[Word, ...]
    env: tuple[tuple[str, str], ...]
    """``NAME=value`` assignments before the command (and given to ``env``)."""
    start: int
    end: int
    order: int
    """Position among the commands of its RUN, in source order."""
    wrappers: tuple[str, ...] = ()
    """Wrappers looked through to reach the command, outermost first, e.g. ``("sudo",)``."""
    scoped: bool = False
    """Inside a subshell or command substitution of its script: what it changes (``cd``,
    ``export``) does not reach the commands after that group."""
    pipeline: int = -1
    """Elements of its pipeline that follow it: 1 for ``a`` and 0 for ``b`` in ``a | b``;
    -1 outside a pipeline. Commands inside a subshell or ``{ }`` group that is an element
    count as that element; a ``$(...)`` is a pipeline boundary. tree-sitter-bash reads
    ``a | b && c`` as ``a | { b && c; }``, so ``c`` is then a last element (0) too."""

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.args)

    def env_value(self, name: str) -> str | None:
        for key, value in self.env:
            if key == name:
                return value
        return None


class Script(NamedTuple):
    commands: tuple[Command, ...]
    shell: bool
    """False when the body is not shell (exec form, or a non-POSIX SHELL)."""


class ShellParser:
    """Turns RUN instructions into commands. Create one per lint run and reuse it."""

    def __init__(self) -> None:
        from tree_sitter import Language, Parser

        self._parser = Parser(Language(_bash_language()))

    def script(self, instruction: Instruction, shell: tuple[str, ...] | None = None) -> Script:
        """The commands a RUN executes. ``shell`` is the stage's SHELL, if set."""
        if shell is not None and not _posix_shell(shell):
            return Script((), False)
        collector = _Collector(self._parser)
        if instruction.exec_form is not None:
            argv = instruction.exec_form
            if not argv:
                return Script((), False)
            words = tuple(Word(a, instruction.start, instruction.end) for a in argv)
            collector.command(words, (), instruction.start, instruction.end, 0)
            script_index = _dash_c_script(list(words))
            if posixpath.basename(argv[0]) in SHELLS and script_index is not None:
                collector.parse(_exec_form_script(instruction, argv[script_index]), 1)
            return Script(collector.finish(), True)
        collector.parse(_script_source(instruction), 0)
        return Script(collector.finish(), True)

    def parse_text(self, text: str) -> Script:
        """Commands of a plain shell string (offsets are indices into ``text``)."""
        collector = _Collector(self._parser)
        collector.parse(Logical(text, ((0, 0),)), 0)
        return Script(collector.finish(), True)


def _bash_language() -> Any:
    """The tree-sitter-bash grammar (a pointer for ``tree_sitter.Language``).

    The package's ``__init__`` imports importlib.resources for its highlight queries, which
    we do not use; that import costs more than parsing a Dockerfile, and ``imagekit lint``
    runs once per file under pre-commit. So the compiled ``_binding`` module that holds the
    grammar is loaded on its own, falling back to the plain import if that does not work.
    """
    binding = sys.modules.get("tree_sitter_bash._binding")
    if binding is None:
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec

        package = PathFinder.find_spec("tree_sitter_bash")
        locations = package.submodule_search_locations if package is not None else None
        spec = PathFinder.find_spec("tree_sitter_bash._binding", locations) if locations else None
        if spec is None or spec.loader is None:
            import tree_sitter_bash

            return tree_sitter_bash.language()
        binding = module_from_spec(spec)
        spec.loader.exec_module(binding)
        sys.modules[spec.name] = binding
    return binding.language()


def _posix_shell(shell: tuple[str, ...]) -> bool:
    return bool(shell) and posixpath.basename(shell[0]) in SHELLS


def _script_source(instruction: Instruction) -> Logical:
    """The text the shell sees: the command line, then heredoc bodies and terminators.

    A RUN whose command is just ``<<EOF`` runs the heredoc itself as the script.
    """
    args = instruction.args_logical
    docs = instruction.heredocs
    if len(docs) == 1 and args.text.strip().lstrip("0123456789").startswith("<<"):
        words = args.text.split()
        if len(words) == 1:
            body = docs[0].body
            if body.startswith("#!") and not _shebang_is_shell(body):
                return Logical("", ((0, docs[0].body_start),))
            return Logical(body, ((0, docs[0].body_start),))
    if not docs:
        return args
    text = args.text
    pieces = list(args.pieces)
    for doc in docs:
        text += "\n"
        pieces.append((len(text), doc.body_start))
        text += doc.body
        body_end = doc.body_start + len(doc.body)
        if body_end >= instruction.end:
            break  # unterminated (a problem already): no terminator follows in the file
        pieces.append((len(text), body_end))
        text += doc.name + "\n"
    return Logical(text, tuple(pieces))


def _exec_form_script(instruction: Instruction, script: str) -> Logical:
    """The ``sh -c`` string of an exec-form RUN, mapped to its place in the JSON text."""
    line = instruction.line
    at = line.text.find(script, instruction.args_at)
    if at == -1:
        return Logical(script, ((0, instruction.start),))
    return line.slice(at, at + len(script))


def _shebang_is_shell(body: str) -> bool:
    first = body.split("\n", 1)[0][2:].split()
    if not first:
        return True
    program = posixpath.basename(first[0])
    if program == "env" and len(first) > 1:
        program = posixpath.basename(first[1])
    return program in SHELLS


class _Collector:
    def __init__(self, parser: Any) -> None:
        self._parser = parser
        self._found: list[tuple[int, Command]] = []
        self._budget = _MAX_NODES

    def finish(self) -> tuple[Command, ...]:
        self._found.sort(key=lambda item: item[0])
        return tuple(c._replace(order=i) for i, (_, c) in enumerate(self._found))

    def parse(self, source: Logical, depth: int) -> None:
        if depth > _MAX_DEPTH or not source.text.strip():
            return
        data = source.text.encode("utf-8", errors="surrogatepass")
        tree = self._parser.parse(_safe_for_parser(source.text, data))
        to_char = _byte_to_char(source.text, data)

        def where(byte_offset: int) -> int:
            return source.source_offset(to_char(byte_offset))

        def where_end(byte_offset: int) -> int:
            return source.source_end(to_char(byte_offset))

        stack = [tree.root_node]
        while stack and self._budget > 0:
            node = stack.pop()
            self._budget -= 1
            kind = node.type
            if kind == "command":
                self._command(node, data, where, where_end, source, to_char, depth)
            elif kind in _DECLARATIONS:
                self._declaration(node, data, where, where_end)
            elif kind == "redirected_statement":
                self._heredoc_to_shell(node, data, source, to_char, depth)
            stack.extend(reversed(node.children))

    def _command(
        self,
        node: Any,
        data: bytes,
        where: Callable[[int], int],
        where_end: Callable[[int], int],
        source: Logical,
        to_char: Callable[[int], int],
        depth: int,
    ) -> None:
        env: list[tuple[str, str]] = []
        words: list[Word] = []
        string_nodes: list[Any] = []
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment":
                name = child.child_by_field_name("name")
                value = child.child_by_field_name("value")
                env.append(
                    (
                        _raw(name, data) if name is not None else "",
                        _text(value, data) if value is not None else "",
                    )
                )
            elif kind == "command_name" or kind in _ARGUMENT_TYPES:
                target = child.children[0] if kind == "command_name" and child.children else child
                words.append(
                    Word(_text(target, data), where(target.start_byte), where_end(target.end_byte))
                )
                string_nodes.append(target)
        if not words:
            return
        self.command(
            tuple(words),
            tuple(env),
            where(node.start_byte),
            where_end(node.end_byte),
            0,
            scoped=_in_group(node),
            pipeline=_pipeline_position(node),
        )
        # sh -c 'script': parse the script string too.
        name = posixpath.basename(words[0].text)
        if name in SHELLS:
            script_index = _dash_c_script(words)
            if script_index is not None:
                target = string_nodes[script_index]
                inner = _inner_logical(target, data, source, to_char)
                self.parse(inner, depth + 1)

    def _declaration(
        self,
        node: Any,
        data: bytes,
        where: Callable[[int], int],
        where_end: Callable[[int], int],
    ) -> None:
        """``export A=1 B``, ``declare -x C=2``, ``unset D``: a command named by its keyword,
        each assignment one argument ``NAME=value`` (quotes removed)."""
        words: list[Word] = []
        for child in node.children:
            if child.type == "variable_assignment":
                name = child.child_by_field_name("name")
                value = child.child_by_field_name("value")
                text = (_raw(name, data) if name is not None else "") + "="
                text += _text(value, data) if value is not None else ""
            elif child.type in ("variable_name", "word", *_DECLARATION_KEYWORDS) or (
                child.type in _ARGUMENT_TYPES
            ):
                text = _text(child, data) if child.type in _ARGUMENT_TYPES else _raw(child, data)
            else:
                continue
            words.append(Word(text, where(child.start_byte), where_end(child.end_byte)))
        if not words:
            return
        self.command(
            tuple(words),
            (),
            where(node.start_byte),
            where_end(node.end_byte),
            0,
            scoped=_in_group(node),
            pipeline=_pipeline_position(node),
        )

    def command(
        self,
        words: tuple[Word, ...],
        env: tuple[tuple[str, str], ...],
        start: int,
        end: int,
        order: int,
        *,
        scoped: bool = False,
        pipeline: int = -1,
    ) -> None:
        env_list = list(env)
        words_list = list(words)
        wrappers: list[str] = []
        while words_list:
            name = posixpath.basename(words_list[0].text)
            if name not in _WRAPPERS or len(words_list) == 1:
                break
            rest = words_list[1:]
            values = _WRAPPER_VALUE_OPTIONS.get(name, frozenset())
            while rest:
                text = rest[0].text
                if text == "--":
                    rest = rest[1:]
                    break
                if text.startswith("-") and len(text) > 1:
                    rest = rest[2:] if text in values else rest[1:]
                    continue
                if name in ("sudo", "env") and "=" in text and not text.startswith("="):
                    key, _, value = text.partition("=")
                    if key.replace("_", "a").isalnum():
                        env_list.append((key, value))
                        rest = rest[1:]
                        continue
                break
            if not rest:
                break
            wrappers.append(name)
            words_list = rest
        name = posixpath.basename(words_list[0].text)
        self._found.append(
            (
                start,
                Command(
                    name,
                    tuple(words_list[1:]),
                    tuple(env_list),
                    start,
                    end,
                    order,
                    tuple(wrappers),
                    scoped,
                    pipeline,
                ),
            )
        )

    def _heredoc_to_shell(
        self, node: Any, data: bytes, source: Logical, to_char: Callable[[int], int], depth: int
    ) -> None:
        body = node.child_by_field_name("body")
        if body is None or body.type != "command":
            return
        name_node = body.child_by_field_name("name")
        if name_node is None or posixpath.basename(_text(name_node, data)) not in SHELLS:
            return
        arguments = [c for c in body.children if c.type in _ARGUMENT_TYPES]
        if any(not _text(a, data).startswith("-") for a in arguments):
            return
        for redirect in node.children:
            if redirect.type != "heredoc_redirect":
                continue
            for part in redirect.children:
                if part.type == "heredoc_body":
                    start = to_char(part.start_byte)
                    end = to_char(part.end_byte)
                    self.parse(source.slice(start, end), depth + 1)


#: Bash's declaration commands (tree-sitter-bash gives them node types of their own).
_DECLARATIONS = frozenset({"declaration_command", "unset_command"})
_DECLARATION_KEYWORDS = ("export", "declare", "typeset", "readonly", "local", "unset", "unsetenv")

_GROUPS = frozenset({"subshell", "command_substitution", "process_substitution"})


def _in_group(node: Any) -> bool:
    """True when a command node lies inside ``( )``, ``$( )``, backticks or ``<( )``."""
    parent = node.parent
    while parent is not None:
        if parent.type in _GROUPS:
            return True
        parent = parent.parent
    return False


def _pipeline_position(node: Any) -> int:
    """How many elements of the nearest enclosing pipeline follow the one holding ``node``.

    -1 when no pipeline encloses it before a ``$(...)``, backticks or ``<(...)``.
    """
    child = node
    parent = node.parent
    while parent is not None:
        if parent.type == "pipeline":
            elements = [c for c in parent.named_children if c.type != "comment"]
            for i, element in enumerate(elements):
                if element.id == child.id:
                    return len(elements) - 1 - i
            return -1
        if parent.type in ("command_substitution", "process_substitution"):
            return -1
        child = parent
        parent = parent.parent
    return -1


def _dash_c_script(words: list[Word]) -> int | None:
    """Index of the script argument of ``sh -c SCRIPT`` (also ``-ec``, ``-xc`` ...)."""
    for i, word in enumerate(words[1:], start=1):
        text = word.text
        if text == "--":
            return None
        if text.startswith("-") and not text.startswith("--") and "c" in text[1:]:
            return i + 1 if i + 1 < len(words) else None
        if not text.startswith("-") and not text.startswith("+"):
            return None
    return None


def _inner_logical(
    node: Any, data: bytes, source: Logical, to_char: Callable[[int], int]
) -> Logical:
    start = to_char(node.start_byte)
    end = to_char(node.end_byte)
    if node.type in ("raw_string", "string") and end - start >= 2:
        inner = source.slice(start + 1, end - 1)
        if node.type == "string" and "\\" in inner.text:
            return _unescape_double_logical(inner)
        return inner
    return Logical(_text(node, data), ((0, source.source_offset(start)),))


def _unescape_double_logical(inner: Logical) -> Logical:
    """The content of a double-quoted string with its escapes applied, still mapped to
    the source piece by piece, so commands after a ``\\"`` keep their exact columns."""
    raw = inner.text
    parts: list[str] = []
    pieces: list[tuple[int, int]] = []
    length = 0

    def keep(a: int, b: int) -> None:
        nonlocal length
        if b <= a:
            return
        for logical_start, source_start in inner.slice(a, b).pieces:
            pieces.append((length + logical_start, source_start))
        parts.append(raw[a:b])
        length += b - a

    segment = 0
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw) and raw[i + 1] in '$`"\\\n':
            keep(segment, i)
            segment = i + 1
            i += 2
            continue
        i += 1
    keep(segment, len(raw))
    if not pieces:
        pieces.append((0, inner.source_offset(0)))
    return Logical("".join(parts), tuple(pieces))


def _safe_for_parser(text: str, data: bytes) -> bytes:
    """``data`` with every character beyond U+FFFF replaced by U+10000.

    tree-sitter-bash crashes the process on some of those (``{`` followed by an unassigned
    or private-use code point). The replacement has the same UTF-8 length, so byte offsets
    are unchanged, and word texts are still read from the original ``data``.
    """
    if len(text) == len(data) or not _ASTRAL.search(text):
        return data
    return _ASTRAL.sub("\U00010000", text).encode("utf-8", errors="surrogatepass")


def _byte_to_char(text: str, data: bytes) -> Callable[[int], int]:
    """Maps UTF-8 byte offsets of ``data`` (``text`` encoded) back to character offsets.

    Built once per parse from the positions of the non-ASCII characters, so each lookup
    is a binary search rather than a decode of everything before it.
    """
    if len(text) == len(data):
        return lambda b: b
    ends: list[int] = []
    extras: list[int] = []
    extra = 0
    for match in _NON_ASCII.finditer(text):
        position = match.start() + extra
        for char in match.group():
            size = len(char.encode("utf-8", errors="surrogatepass"))
            position += size
            extra += size - 1
            ends.append(position)
            extras.append(extra)

    def to_char(byte_offset: int) -> int:
        row = bisect.bisect_right(ends, byte_offset) - 1
        return byte_offset - (extras[row] if row >= 0 else 0)

    return to_char


def _raw(node: Any, data: bytes) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _text(node: Any, data: bytes) -> str:
    """Word value with shell quoting removed; expansions are kept as written."""
    kind = node.type
    if kind == "raw_string":
        return _raw(node, data)[1:-1]
    if kind == "word":
        return _unescape(_raw(node, data))
    if kind == "string":
        parts: list[str] = []
        for child in node.children:
            if child.type == '"':
                continue
            if child.type == "string_content":
                parts.append(_unescape_double(_raw(child, data)))
            else:
                parts.append(_raw(child, data))
        return "".join(parts)
    if kind == "concatenation":
        return "".join(_text(child, data) for child in node.children)
    if kind == "ansi_c_string":
        return _raw(node, data)[2:-1]
    return _raw(node, data)


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    chars: Iterator[str] = iter(raw)
    for c in chars:
        if c == "\\":
            out.append(next(chars, ""))
        else:
            out.append(c)
    return "".join(out)


def _unescape_double(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw) and raw[i + 1] in '$`"\\\n':
            out.append(raw[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
