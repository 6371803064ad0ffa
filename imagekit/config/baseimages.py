"""What a base-image definition (``baseimages/*.yaml``) may say, checked key by key with the
line of each problem, as :mod:`imagekit.config.schema` checks ``.imagekit.yaml``.

One file defines one base::

    name: python                  # default: the file's name without .yaml
    version: "3.11"               # goes into the tags
    repository: base/python       # the local image name (default: base/NAME)
    tags: ["{version}-{hash}", "{version}"]   # the first names the build; {hash} required
    parent: {base: debian}        # another base of the set, {image: REF}, {root: busybox|
                                  # debian|runtime}, or a plain string: an image reference
    manager: apt                  # apt (default) or apk
    packages: [python3]           # one RUN: --no-install-recommends, lists and caches removed
    ca-certificates: true         # add ca-certificates to the packages (default true)
    files:                        # copied in, relative to this file
      - {src: files/pip.conf, dest: /etc/pip.conf, mode: "0644"}
    env: {PYTHONDONTWRITEBYTECODE: "1"}
    workdir: /app
    user: "65532:65532"
    labels: {org.opencontainers.image.description: "Python 3 on Debian"}
    cmd: ["python3"]

or, instead of packages, files, env, workdir, user and cmd, a Dockerfile of its own::

    dockerfile: Dockerfile        # relative to this file
    context: .                    # the build context (default: the Dockerfile's directory)
    build-args: {KEY: value}      # a declared parent is passed as the build arg BASE_IMAGE
    target: runtime

:func:`validate_base` returns the definition as a plain, normalised mapping (paths made
absolute, defaults filled in) for :mod:`imagekit.build.basedef`, and every problem found;
:func:`check_set` adds the problems of the set: duplicate names, unknown parents, cycles.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from imagekit.config.files import Document, Key
from imagekit.config.schema import Problem

#: Where a repository keeps its definitions, and what they are called.
DIRECTORY = "baseimages"
SUFFIXES = (".yaml", ".yml")
ROOTS = ("busybox", "debian", "runtime")
MANAGERS = ("apt", "apk")
DEFAULT_TAGS = ("{version}-{hash}", "{version}")
PLACEHOLDERS = frozenset({"name", "version", "hash"})

_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_TAG_TEXT = re.compile(r"^[A-Za-z0-9_.{}-]+$")
_FIELD = re.compile(r"\{([^{}]*)\}")
_PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+:=~_<>*-]*$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MODE = re.compile(r"^0?[0-7]{3,4}$")

_COMMON = ("name", "version", "repository", "tags", "parent", "labels")
_GENERATED = ("manager", "packages", "ca-certificates", "files", "env", "workdir", "user", "cmd")
_OWN = ("dockerfile", "context", "build-args", "target")
KEYS = frozenset((*_COMMON, *_GENERATED, *_OWN))


def is_definition(path: str) -> bool:
    """True for a ``*.yaml``/``*.yml`` file in a ``baseimages`` directory."""
    folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return folder == DIRECTORY and path.endswith(SUFFIXES)


def definition_files(directory: str) -> list[str]:
    """The definition files of ``directory`` (a ``baseimages`` directory), sorted."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        os.path.join(directory, name)
        for name in names
        if name.endswith(SUFFIXES) and os.path.isfile(os.path.join(directory, name))
    ]


class _Check:
    def __init__(self, document: Document, problems: list[Problem]) -> None:
        self.document = document
        self.problems = problems

    def fail(self, key: Key, message: str) -> None:
        self.problems.append(Problem(self.document.path, self.document.line(*key), message))

    def text(
        self, data: Mapping[str, Any], key: str, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.fail((key,), f"'{key}' must be a non-empty string; got {value!r}")
            return None
        if pattern is not None and not pattern.match(value.strip()):
            self.fail((key,), f"'{key}': {value!r} is not a valid {key}")
            return None
        return value.strip()

    def strings(
        self, data: Mapping[str, Any], key: str, pattern: re.Pattern[str] | None = None
    ) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail((key,), f"'{key}' must be a list of strings")
            return []
        out: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, int | float) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.fail((key, index), f"'{key}[{index}]' must be a non-empty string")
            elif pattern is not None and not pattern.match(item.strip()):
                self.fail((key, index), f"'{key}[{index}]': {item!r} is not valid here")
            else:
                out.append(item.strip())
        return out

    def mapping(
        self, data: Mapping[str, Any], key: str, keys: re.Pattern[str] | None = None
    ) -> dict[str, str]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail((key,), f"'{key}' must be a mapping of names to strings")
            return {}
        out: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(name, str) or (keys is not None and not keys.match(name)):
                self.fail((key, str(name)), f"'{key}': {name!r} is not a valid name")
                continue
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.fail((key, name), f"'{key}.{name}' must be a string; got {item!r}")
                continue
            out[name] = str(item)
        return out

    def path(
        self, data: Mapping[str, Any], key: Key, value: Any, *, folder: bool = False
    ) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"'{_dotted(key)}' must be a path relative to {self.document.path}")
            return None
        full = os.path.normpath(os.path.join(self.document.directory, value.strip()))
        exists = os.path.isdir(full) if folder else os.path.isfile(full)
        if not exists:
            kind = "directory" if folder else "file"
            self.fail(key, f"'{_dotted(key)}': no such {kind} {value!r}")
            return None
        return full


def _dotted(key: Key) -> str:
    return ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in key).replace(
        ".[", "["
    )


def _parent(check: _Check, raw: Any) -> dict[str, str] | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip():
        return {"kind": "image", "ref": raw.strip()}
    if isinstance(raw, dict) and len(raw) == 1:
        ((kind, value),) = raw.items()
        if kind in ("base", "image", "root") and isinstance(value, str) and value.strip():
            value = value.strip()
            if kind == "root" and value not in ROOTS:
                check.fail(
                    ("parent", kind),
                    f"'parent.root' must be one of {', '.join(ROOTS)}; got {value!r}",
                )
                return None
            return {"kind": kind, "ref": value}
    check.fail(
        ("parent",),
        "'parent' must be an image reference, or one of {base: NAME}, {image: REF}, "
        f"{{root: {'|'.join(ROOTS)}}}; got {raw!r}",
    )
    return None


def _tags(check: _Check, data: Mapping[str, Any]) -> list[str]:
    if data.get("tags") is None:
        return list(DEFAULT_TAGS)
    tags = check.strings(data, "tags", _TAG_TEXT)
    for index, tag in enumerate(tags):
        unknown = set(_FIELD.findall(tag)) - PLACEHOLDERS
        if unknown:
            check.fail(
                ("tags", index),
                f"'tags[{index}]': unknown field {{{sorted(unknown)[0]}}} (known: {{name}}, {{version}}, {{hash}})",
            )
            return list(DEFAULT_TAGS)
    if tags and "{hash}" not in tags[0]:
        check.fail(("tags", 0), "'tags[0]' must carry the content hash: put {hash} in it")
    if not tags:
        check.fail(("tags",), "'tags' must name at least one tag")
    return tags or list(DEFAULT_TAGS)


def _files(check: _Check, raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.fail(("files",), "'files' must be a list of {src, dest, mode}")
        return []
    out: list[dict[str, str]] = []
    for index, entry in enumerate(raw):
        where: Key = ("files", index)
        if not isinstance(entry, dict):
            check.fail(where, f"'files[{index}]' must be a mapping {{src, dest, mode}}")
            continue
        for name in sorted(set(entry) - {"src", "dest", "mode"}, key=str):
            check.fail(
                (*where, name), f"unknown key {name!r} in files[{index}] (known: src, dest, mode)"
            )
        src = check.path(entry, (*where, "src"), entry.get("src"))
        dest = entry.get("dest")
        if not isinstance(dest, str) or not dest.startswith("/"):
            check.fail(
                (*where, "dest"), f"'files[{index}].dest' must be an absolute path in the image"
            )
            continue
        mode = entry.get("mode", "0644")
        if not isinstance(mode, str) or not _MODE.match(mode):
            check.fail(
                (*where, "mode"),
                f"'files[{index}].mode' must be a quoted octal string such as \"0644\" "
                f"(YAML reads a bare 0644 as the number 420); got {mode!r}",
            )
            continue
        if src is not None:
            out.append({"src": src, "dest": dest, "mode": mode.rjust(4, "0")})
    return out


def validate_base(document: Document) -> tuple[dict[str, Any], list[Problem]]:
    """The definition in ``document``, normalised, and every problem found in it."""
    problems: list[Problem] = []
    check = _Check(document, problems)
    data = document.data
    for key in sorted(set(data) - KEYS, key=str):
        check.fail((key,), f"unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
    stem = os.path.splitext(os.path.basename(document.path))[0]
    name = check.text(data, "name", _NAME) or stem
    if data.get("name") is None and not _NAME.match(stem):
        check.fail((), f"the file name {stem!r} is not a valid base name: set 'name'")
    version = check.text(data, "version", _TAG_TEXT)
    if version is None and "version" not in data:
        check.fail((), "a base needs a 'version' (it goes into the tags)")
    definition: dict[str, Any] = {
        "name": name,
        "version": version or "0",
        "repository": check.text(data, "repository", _REPOSITORY) or f"base/{name}",
        "tags": _tags(check, data),
        "parent": _parent(check, data.get("parent")),
        "labels": check.mapping(data, "labels"),
        "path": os.path.normpath(document.path),
        "line": document.line(),
        "parent_line": document.line("parent"),
    }
    own = [key for key in _OWN if key in data]
    generated = [key for key in _GENERATED if key in data]
    if "dockerfile" in data:
        if generated:
            check.fail(
                (generated[0],),
                f"'{generated[0]}' does not go with 'dockerfile': a base has packages or a Dockerfile of its own, not both",
            )
        dockerfile = check.path(data, ("dockerfile",), data.get("dockerfile"))
        context = data.get("context")
        definition["dockerfile"] = dockerfile
        if context is None:
            definition["context"] = os.path.dirname(dockerfile) if dockerfile else None
        else:
            definition["context"] = check.path(data, ("context",), context, folder=True)
        definition["build_args"] = check.mapping(data, "build-args", _ENV_KEY)
        definition["target"] = check.text(data, "target")
        return definition, problems
    if own:
        check.fail((own[0],), f"'{own[0]}' needs 'dockerfile'")
    if data.get("parent") is None:
        check.fail((), "a base made from packages needs a 'parent'")
    manager = data.get("manager", "apt")
    if manager not in MANAGERS:
        check.fail(("manager",), f"'manager' must be one of {', '.join(MANAGERS)}; got {manager!r}")
        manager = "apt"
    flag = data.get("ca-certificates", True)
    if not isinstance(flag, bool):
        check.fail(("ca-certificates",), f"'ca-certificates' must be true or false; got {flag!r}")
        flag = True
    cmd = data.get("cmd")
    if cmd is not None and (not isinstance(cmd, list) or not all(isinstance(c, str) for c in cmd)):
        check.fail(("cmd",), "'cmd' must be a list of strings (the exec form)")
        cmd = None
    workdir = check.text(data, "workdir")
    if workdir is not None and not workdir.startswith("/"):
        check.fail(("workdir",), "'workdir' must be an absolute path")
        workdir = None
    definition.update(
        manager=manager,
        packages=check.strings(data, "packages", _PACKAGE),
        ca_certificates=flag,
        files=_files(check, data.get("files")),
        env=check.mapping(data, "env", _ENV_KEY),
        workdir=workdir,
        user=check.text(data, "user"),
        cmd=cmd,
    )
    return definition, problems


def check_set(definitions: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Problems of the set: two bases of one name, a ``{base: NAME}`` parent the set lacks,
    and parents that go round in a cycle."""
    problems: list[Problem] = []
    by_name: dict[str, Mapping[str, Any]] = {}
    for definition in definitions:
        name = definition["name"]
        if name in by_name:
            first = by_name[name]["path"]
            problems.append(
                Problem(
                    definition["path"],
                    definition["line"],
                    f"base {name!r} is also defined in {first}",
                )
            )
            continue
        by_name[name] = definition
    for definition in by_name.values():
        parent = definition.get("parent")
        if parent and parent["kind"] == "base" and parent["ref"] not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            problems.append(
                Problem(
                    definition["path"],
                    definition["parent_line"],
                    f"'parent.base': no base named {parent['ref']!r} in the set (known: {known})",
                )
            )
    for definition in by_name.values():
        seen = [definition["name"]]
        current = definition
        while True:
            parent = current.get("parent")
            if not parent or parent["kind"] != "base" or parent["ref"] not in by_name:
                break
            if parent["ref"] in seen:
                if parent["ref"] == definition["name"]:
                    cycle = " -> ".join([*seen, parent["ref"]])
                    problems.append(
                        Problem(
                            definition["path"],
                            definition["parent_line"],
                            f"parents go round in a cycle: {cycle}",
                        )
                    )
                break
            seen.append(parent["ref"])
            current = by_name[parent["ref"]]
    return problems


def base_files_of(path: str) -> list[str]:
    """The definition files ``path`` names: itself (a definition file), the files of a
    ``baseimages`` directory, or of the ``baseimages`` directory inside a directory."""
    if os.path.isfile(path):
        return [path] if is_definition(path) else []
    if os.path.basename(os.path.abspath(path)) == DIRECTORY:
        return definition_files(path)
    inside = os.path.join(path, DIRECTORY)
    return definition_files(inside) if os.path.isdir(inside) else []


def read_base(path: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """One definition file read and validated; an unreadable or unparsable file is a
    problem of its own (with the line the parser names)."""
    from imagekit.config.files import IMAGEKIT, read
    from imagekit.errors import ConfigError

    try:
        document = read(path, IMAGEKIT)
    except ConfigError as exc:
        match = re.match(rf"^{re.escape(path)}:(\d+): (.*)$", exc.message)
        if match:
            return None, [Problem(path, int(match.group(1)), match.group(2))]
        return None, [Problem(path, 1, exc.message.removeprefix(f"{path}: "))]
    return validate_base(document)


def check_paths(paths: Sequence[str]) -> tuple[list[str], list[Problem]]:
    """Validate the definition files ``paths`` name (:func:`base_files_of`), each on its
    own and, per directory, as a set. Returns the files checked and every problem."""
    checked: list[str] = []
    problems: list[Problem] = []
    by_directory: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        for found in base_files_of(path):
            shown = os.path.normpath(found)
            if shown in checked:
                continue
            checked.append(shown)
            definition, found_problems = read_base(shown)
            problems.extend(found_problems)
            if definition is not None:
                folder = os.path.dirname(os.path.abspath(shown))
                by_directory.setdefault(folder, []).append(definition)
    for folder in sorted(by_directory):
        if len(definition_files(folder)) != len(by_directory[folder]):
            every = [read_base(p)[0] for p in definition_files(folder)]
            by_directory[folder] = [d for d in every if d is not None]
        problems.extend(check_set(by_directory[folder]))
    order = {path: index for index, path in enumerate(checked)}
    problems.sort(key=lambda p: (order.get(os.path.normpath(p.path), len(order)), p.line))
    return checked, problems
