"""IK530 pip-version-unpinned: pip install of a requirement without a version specifier."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines, listed_names, run_spans

RULE = "IK530"
BASE = "FROM python:3.12-slim\n"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_column) for f in found] == [(2, 5, 54)]
    assert "`flask`" in found[0].message
    assert "gunicorn" not in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("run", "names"),
    [
        ("RUN pip install flask", ["flask"]),
        ("RUN pip3 install --no-cache-dir flask requests==2.32.3 gunicorn", ["flask", "gunicorn"]),
        ("RUN pip3.12 install 'uvicorn[standard]'", ["uvicorn[standard]"]),
        ("RUN python -m pip install flask", ["flask"]),
        ("RUN python3 -m pip install --user flask", ["flask"]),
        ("RUN pip install -r requirements.txt gunicorn", ["gunicorn"]),
        ("RUN pip install -i https://pypi.example.com/simple flask", ["flask"]),
        ("RUN pip install --upgrade flask", ["flask"]),
        ("RUN pip install --upgrade pip flask", ["flask"]),
        ("RUN pip install pip", ["pip"]),
        ("RUN pip install --target /opt/deps six", ["six"]),
    ],
)
def test_unpinned_requirements(run: str, names: list[str]) -> None:
    assert listed_names(RULE, run, BASE) == names


@pytest.mark.parametrize(
    "run",
    [
        "RUN pip install flask==3.0.3",
        "RUN pip install 'flask>=3.0,<3.1'",
        "RUN pip install 'flask~=3.0'",
        "RUN pip install 'flask!=2.0'",
        "RUN pip install 'flask[async]==3.0.3'",
        "RUN pip install 'tool @ https://files.example.com/tool-1.0.whl'",
        "RUN pip install -r requirements.txt",
        "RUN pip install --requirement=requirements.txt",
        "RUN pip install -c constraints.txt flask",
        "RUN pip install --constraint=constraints.txt flask",
        "RUN pip install .",
        "RUN pip install -e .",
        "RUN pip install --editable ./pkg",
        "RUN pip install ./pkg",
        "RUN pip install /wheels/flask-3.0.3-py3-none-any.whl",
        "RUN pip install dist/tool-1.0.tar.gz",
        "RUN pip install git+https://git.example.com/team/tool.git@v1.0",
        "RUN pip install $PACKAGES",
        "RUN pip install --upgrade pip",
        "RUN pip install -U pip setuptools wheel",
        "RUN pip download flask",
        "RUN pip uninstall -y flask",
        "RUN python -c 'import pip' install flask",
        "RUN python script.py -m pip install flask",
        "RUN echo pip install flask",
    ],
)
def test_pinned_or_not_judged(run: str) -> None:
    assert run_spans(RULE, run, BASE) == []


def test_span_exec_form_and_sh_dash_c() -> None:
    assert run_spans(RULE, "RUN pip install -U pip && pip install flask", BASE) == [(2, 27, 44)]
    exec_form = 'RUN ["pip", "install", "flask"]'
    assert run_spans(RULE, exec_form, BASE) == [(2, 1, len(exec_form) + 1)]
    assert run_spans(RULE, "RUN sh -c 'pip install flask'", BASE) == [(2, 12, 29)]


def test_heredoc_continuation_and_every_stage() -> None:
    text = """\
        FROM python:3.12-slim AS build
        RUN pip wheel --wheel-dir /wheels flask==3.0.3
        FROM python:3.12-slim
        RUN <<EOF
        pip install --no-cache-dir \\
            flask==3.0.3 \\
            gunicorn
        EOF
        """
    assert lines(text, RULE) == [5]
