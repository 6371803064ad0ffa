"""Lower floors never import higher ones: the allowed imports between parts of imagekit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "imagekit"

#: For each part of the package, the other parts it may import.
ALLOWED: dict[str, set[str]] = {
    "__init__": set(),
    "errors": set(),
    "config": {"errors"},
    "catalog": {"errors"},
    "dockerfile": {"errors"},
    "oci": {"errors"},
    "lint": {"dockerfile", "catalog", "errors", "config"},
    "analyze": {"oci", "catalog", "errors"},
    "build": {"oci", "errors"},
    "registry": {"oci", "errors"},
    "report": {"registry", "analyze", "oci", "catalog", "errors"},
    "services": {"errors"},
    "web": {"report", "registry", "analyze", "catalog", "errors", "oci"},
    "cli": {"*"},
    "__main__": {"cli"},
}


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _module_name(path: Path) -> list[str]:
    parts = ["imagekit", *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported_parts(path: Path, source: str | None = None) -> set[str]:
    """The parts of imagekit that ``path`` (or ``source`` as if it were there) imports."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[list[str]] = []
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = [*base, *(node.module.split(".") if node.module else [])]
                if len(module) == 1:  # from . import x, at the top of the package
                    names = [[*module, alias.name] for alias in node.names]
                else:
                    names = [module]
            elif node.module:
                module = node.module.split(".")
                if module == ["imagekit"]:
                    names = [["imagekit", alias.name] for alias in node.names]
                else:
                    names = [module]
        for name in names:
            if name[0] == "imagekit":
                found.add(name[1] if len(name) > 1 else "__init__")
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_is_in_the_map() -> None:
    unknown = {_part(path) for path in MODULES} - set(ALLOWED)
    assert not unknown, f"add {sorted(unknown)} to ALLOWED in tests/test_layers.py"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path: Path) -> None:
    part = _part(path)
    allowed = ALLOWED.get(part, set())
    if "*" in allowed:
        return
    wrong = _imported_parts(path) - allowed - {part}
    assert not wrong, f"imagekit.{part} must not import {sorted(wrong)}"


def test_the_checker_sees_relative_and_absolute_imports() -> None:
    source = (
        "from imagekit import catalog\n"
        "import imagekit.errors\n"
        "from ..dockerfile import model\n"
        "from . import engine\n"
        "from .. import config\n"
    )
    found = _imported_parts(PACKAGE / "lint" / "probe.py", source)
    assert found == {"catalog", "errors", "dockerfile", "lint", "config"}
