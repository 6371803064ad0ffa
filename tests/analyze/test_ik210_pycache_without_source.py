"""IK210 pycache-without-source: bytecode in __pycache__ whose .py is not in the image.

The catalogue's examples need a Python image, which the test engine does not have; the
layers below hold what `python -m compileall` and the deletion of the sources leave.
"""

from __future__ import annotations

from imagekit.analyze import analyze
from tests.support.images import file, image, symlink, whiteout


def ik210(*layers: object, base: int = 0) -> list[tuple[int, int, int, tuple[str, ...]]]:
    result = analyze(image(*layers), base=base)  # type: ignore[arg-type]
    return [(f.layer, f.count, f.bytes, f.paths) for f in result.findings if f.rule == "IK210"]


def test_sources_deleted_after_compileall() -> None:
    found = ik210(
        [file("app/main.py", b"print(1)\n"), file("app/util.py", b"x = 1\n")],
        [
            file("app/__pycache__/main.cpython-312.pyc", 300),
            file("app/__pycache__/util.cpython-312.pyc", 200),
            whiteout("app/main.py"),
            whiteout("app/util.py"),
        ],
    )
    assert found == [
        (
            1,
            2,
            500,
            ("/app/__pycache__/main.cpython-312.pyc", "/app/__pycache__/util.cpython-312.pyc"),
        )
    ]


def test_bytecode_beside_its_sources_is_fine() -> None:
    assert (
        ik210(
            [
                file("app/main.py", b"print(1)\n"),
                file("app/__pycache__/main.cpython-312.pyc", 300),
                file("app/__pycache__/main.cpython-312.opt-1.pyc", 280),
                file("__init__.py", b""),
                file("__pycache__/__init__.cpython-312.pyc", 50),
            ]
        )
        == []
    )


def test_only_the_orphans_count() -> None:
    found = ik210(
        [
            file("lib/pkg/a.py", b"a = 1\n"),
            file("lib/pkg/__pycache__/a.cpython-311.pyc", 100),
            file("lib/pkg/__pycache__/gone.cpython-311.pyc", 70),
            file("__pycache__/top.cpython-311.pyc", 5),
        ]
    )
    assert [x[:3] for x in found] == [(0, 2, 75)]


def test_a_symlinked_source_counts_as_shipped() -> None:
    layer = [
        symlink("app/main.py", "/src/main.py"),
        file("app/__pycache__/main.cpython-312.pyc", 9),
    ]
    assert ik210(layer) == []


def test_sourceless_pyc_outside_pycache_is_not_this_rule() -> None:
    assert ik210([file("app/main.pyc", 300)]) == []


def test_base_layers_are_not_judged() -> None:
    assert ik210([file("usr/lib/__pycache__/x.cpython-311.pyc", 10)], [file("a", 1)], base=1) == []
