"""Configuration files: where they are, and what they say, with line numbers.

imagekit reads its settings from ``.imagekit.yaml`` (or ``.imagekit.yml``), or from the
``[tool.imagekit]`` table of a ``pyproject.toml``, found from a linted file's directory
upward; the first directory that has one wins. When no imagekit configuration exists on
that path, a ``.hadolint.yaml`` (or ``.hadolint.yml``) found the same way is read instead,
so a team can switch linters without editing its files.

Every key and list item keeps the line it was written on, so problems can be reported as
``FILE:LINE: message``. YAML is parsed only when a YAML file is found.
"""

import os
import re
from typing import Any, NamedTuple

from imagekit.errors import ConfigError

IMAGEKIT_NAMES = (".imagekit.yaml", ".imagekit.yml")
HADOLINT_NAMES = (".hadolint.yaml", ".hadolint.yml")
PYPROJECT = "pyproject.toml"

#: Kinds of configuration document.
IMAGEKIT, PYPROJECT_KIND, HADOLINT = "imagekit", "pyproject", "hadolint"

Key = tuple[str | int, ...]


class Document(NamedTuple):
    """One configuration file's settings (for pyproject.toml: its ``[tool.imagekit]``)."""

    path: str
    kind: str
    data: dict[str, Any]
    lines: dict[Key, int]
    """1-based line of each key or list item, by its path from the top (``("lint", "ignore", 0)``)."""

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def line(self, *key: str | int) -> int:
        """The line of ``key``, or of its nearest enclosing key that has one (else 1)."""
        path: Key = tuple(key)
        while path:
            found = self.lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.lines.get((), 1)


def kind_of(path: str) -> str:
    """The kind of configuration a file name says it holds."""
    name = os.path.basename(path)
    if name == PYPROJECT or name.endswith(".toml"):
        return PYPROJECT_KIND
    if "hadolint" in name:
        return HADOLINT
    return IMAGEKIT


def find(directory: str, cache: dict[str, str | None] | None = None) -> str | None:
    """The configuration file that applies to files in ``directory``, or None."""
    directory = os.path.abspath(directory)
    cache = {} if cache is None else cache
    if directory in cache:
        return cache[directory]
    found = _find_imagekit(directory) or _find_upward(directory, HADOLINT_NAMES)
    cache[directory] = found
    return found


def _find_imagekit(directory: str) -> str | None:
    current = directory
    while True:
        for name in IMAGEKIT_NAMES:
            candidate = os.path.join(current, name)
            if os.path.isfile(candidate):
                return candidate
        candidate = os.path.join(current, PYPROJECT)
        if os.path.isfile(candidate) and _has_tool_table(candidate):
            return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _find_upward(directory: str, names: tuple[str, ...]) -> str | None:
    current = directory
    while True:
        for name in names:
            candidate = os.path.join(current, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


#: The patterns below are compiled on first use (re caches them): most runs read no
#: pyproject.toml.
_TOOL_HEADER = r"^\s*\[\s*tool\s*\.\s*imagekit\s*[\].]"


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return False
    return bool(re.search(_TOOL_HEADER, text, re.MULTILINE))


def read(path: str, kind: str | None = None) -> Document:
    """Read and parse one configuration file (no validation of its keys)."""
    kind = kind or kind_of(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    if kind == PYPROJECT_KIND:
        return _read_pyproject(path, text)
    return _read_yaml(path, kind, text)


def _read_yaml(path: str, kind: str, text: str) -> Document:
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{path}:{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the file must hold a mapping of settings")
    lines: dict[Key, int] = {}
    if node is not None:
        _yaml_lines(node, (), lines)
    return Document(path, kind, data, lines)


def _yaml_lines(node: Any, key: Key, lines: dict[Key, int]) -> None:
    import yaml

    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _yaml_lines(value_node, (*key, name), lines)
            lines[(*key, name)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_lines(item, (*key, index), lines)


_TABLE_HEADER = r"^\s*\[\s*tool\s*\.\s*imagekit((?:\s*\.\s*[A-Za-z0-9_\"'.-]+)*)\s*\]"
_OTHER_HEADER = r"^\s*\["
_KEY_LINE = r"^\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*="


def _read_pyproject(path: str, text: str) -> Document:
    import tomllib

    try:
        whole = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = whole.get("tool", {})
    data = tool.get("imagekit", {}) if isinstance(tool, dict) else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.imagekit] must be a table")
    return Document(path, PYPROJECT_KIND, data, _toml_lines(text))


def _toml_lines(text: str) -> dict[Key, int]:
    """Lines of the ``[tool.imagekit...]`` tables and their keys (arrays: the key's line)."""
    lines: dict[Key, int] = {}
    section: Key | None = None
    table_header, other_header = re.compile(_TABLE_HEADER), re.compile(_OTHER_HEADER)
    key_line = re.compile(_KEY_LINE)
    for number, line in enumerate(text.splitlines(), start=1):
        header = table_header.match(line)
        if header:
            parts = [p.strip().strip("\"'") for p in header.group(1).split(".") if p.strip()]
            section = tuple(parts)
            lines.setdefault(section, number)
            continue
        if other_header.match(line):
            section = None
            continue
        if section is not None:
            key = key_line.match(line)
            if key:
                lines.setdefault((*section, key.group(1)), number)
    return lines
