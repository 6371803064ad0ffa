"""IK204 pip-cache-left: pip install keeps wheels in ~/.cache/pip."""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK204"


def _run(run: str, before: str = "") -> str:
    return f"FROM python:3.12-slim\n{before}RUN {run}\n"


@pytest.mark.parametrize(
    "run",
    [
        "pip install flask",
        "pip3 install flask",
        "pip3.12 install flask",
        "/opt/venv/bin/pip install flask",
        "python -m pip install flask",
        "python3 -m pip install -r requirements.txt",
        "python3.12 -m pip install flask",
        "python3 -I -m pip install flask",
        "pip --disable-pip-version-check install flask",
        "pip --log /tmp/pip.log install flask",
        "pip install --no-compile flask",
        "pip install flask && rm -rf /tmp/*",
        "rm -rf /root/.cache && pip install flask",
        "sudo -H pip install flask",
        "sh -c 'pip install flask'",
        # --isolated makes pip ignore PIP_NO_CACHE_DIR
        "PIP_NO_CACHE_DIR=1 pip --isolated install flask",
    ],
)
def test_flags_pip_install_with_cache(run: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 2
    assert "--no-cache-dir" in finding.message
    assert "PIP_NO_CACHE_DIR" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "pip install --no-cache-dir flask",
        "pip --no-cache-dir install flask",
        "pip3 install --no-cache flask",  # optparse accepts the unambiguous prefix
        "python3 -m pip install --no-cache-dir flask",
        "PIP_NO_CACHE_DIR=1 pip install flask",
        "env PIP_NO_CACHE_DIR=1 pip install flask",
        "pip install flask && rm -rf /root/.cache/pip",
        "pip install flask && rm -rf ~/.cache",
        "pip install --cache-dir /tmp/pip flask && rm -rf /tmp/pip",
        "PIP_CACHE_DIR=/tmp/pc pip install flask && rm -rf /tmp/pc",
        "pip config set global.no-cache-dir false && pip install flask",
        # not an install
        "pip download flask",
        "pip wheel flask",
        "pip list",
        "python3 -m venv /opt/venv",
        "python3 -c 'import pip'",
        "python3 setup.py install",
        "uv pip install flask",
        "pipx install black",
    ],
)
def test_silent_without_cache(run: str) -> None:
    assert hits(_run(run), RULE) == []


# pip disables the cache for every boolean value: for compatibility, values that mean
# false ("0", "no", "false", "off") disable it too, a historical quirk kept by pip.
@pytest.mark.parametrize(
    "value", ["1", "0", "true", "false", "True", "yes", "no", "on", "off", '"1"', "$NO_CACHE"]
)
@pytest.mark.parametrize("keyword", ["ENV", "ARG"])
def test_pip_no_cache_dir_any_boolean_value(keyword: str, value: str) -> None:
    text = _run("pip install flask", before=f"{keyword} PIP_NO_CACHE_DIR={value}\n")
    assert hits(text, RULE) == []


def test_pip_no_cache_dir_non_boolean_value_does_not_count() -> None:
    text = _run("pip install flask", before="ENV PIP_NO_CACHE_DIR=please\n")
    assert lines(text, RULE) == [3]


def test_pip_no_cache_dir_from_parent_stage_but_not_after_the_run() -> None:
    text = """
        FROM python:3.12-slim AS base
        ENV PIP_NO_CACHE_DIR=1

        FROM base AS app
        RUN pip install flask

        FROM python:3.12-slim AS other
        RUN pip install flask
        ENV PIP_NO_CACHE_DIR=1
    """
    assert lines(text, RULE, target="app") == []
    assert lines(text, RULE) == [8]


def test_arg_without_default_does_not_count() -> None:
    assert lines(_run("pip install flask", before="ARG PIP_NO_CACHE_DIR\n"), RULE) == [3]


@pytest.mark.parametrize(
    "mount",
    [
        "type=cache,target=/root/.cache/pip",
        "type=cache,target=/root/.cache",
        "type=cache,target=~/.cache/pip",
        "type=tmpfs,target=/root/.cache",
    ],
)
def test_cache_mount_exempts(mount: str) -> None:
    assert hits(_run(f"--mount={mount} pip install flask"), RULE) == []


def test_bind_mount_does_not_exempt() -> None:
    assert lines(_run("--mount=type=bind,target=/root/.cache/pip pip install flask"), RULE) == [2]


def test_non_root_user_cache() -> None:
    text = """
        FROM python:3.12-slim
        USER app
        RUN pip install --user flask && rm -rf /home/app/.cache/pip
        RUN --mount=type=cache,target=/home/app/.cache/pip,uid=1000 pip install --user httpx
        RUN pip install --user rich && rm -rf /root/.cache/pip
    """
    assert lines(text, RULE) == [5]


def test_removal_only_covers_installs_before_it() -> None:
    text = """
        FROM python:3.12-slim
        RUN pip install flask \\
         && rm -rf /root/.cache/pip \\
         && pip install gunicorn
    """
    [finding] = hits(text, RULE)
    assert (finding.line, finding.column) == (4, 5)


def test_heredoc_each_install_reported() -> None:
    text = """
        FROM python:3.12-slim
        RUN <<EOF
        pip install --no-cache-dir flask
        python3 -m pip install gunicorn
        if [ -f extra.txt ]; then pip install -r extra.txt; fi
        EOF
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 1), (5, 27)]


def test_only_shipped_stages() -> None:
    text = """
        FROM python:3.12 AS build
        RUN pip wheel -w /wheels flask && pip install build

        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
        RUN pip install /wheels/*.whl
    """
    assert lines(text, RULE) == [6]
    assert lines(text, RULE, target="build") == [2]


# hadolint's own spec cases for DL3042 expect silence here: the export reaches the pip.
@pytest.mark.parametrize(
    "run",
    [
        "export PIP_NO_CACHE_DIR=1 && pip install flask",
        "export PIP_NO_CACHE_DIR=off; pip3 install flask",
        "export A=1 PIP_NO_CACHE_DIR=1 && python3 -m pip install flask",
        "declare -x PIP_NO_CACHE_DIR=1 && pip install flask",
        "export PIP_NO_CACHE_DIR=1 && (pip install flask)",
        "export PIP_CACHE_DIR=/tmp/pc && pip install flask && rm -rf /tmp/pc",
    ],
)
def test_export_earlier_in_the_run_counts(run: str) -> None:
    assert hits(_run(run), RULE) == []


@pytest.mark.parametrize(
    "run",
    [
        # the export comes after the install, or dies with its subshell
        "pip install flask && export PIP_NO_CACHE_DIR=1",
        "(export PIP_NO_CACHE_DIR=1) && pip install flask",
        "echo $(export PIP_NO_CACHE_DIR=1) && pip install flask",
        # unset takes it back; declare without -x does not export; a plain name has no value here
        "export PIP_NO_CACHE_DIR=1 && unset PIP_NO_CACHE_DIR && pip install flask",
        "declare PIP_NO_CACHE_DIR=1 && pip install flask",
        "export PIP_NO_CACHE_DIR && pip install flask",
        "export PIP_NO_CACHE_DIR=please && pip install flask",
    ],
)
def test_export_that_does_not_reach_the_install(run: str) -> None:
    assert lines(_run(run), RULE) == [2]


def test_unset_of_a_stage_env_in_the_run() -> None:
    text = _run("unset PIP_NO_CACHE_DIR && pip install flask", before="ENV PIP_NO_CACHE_DIR=1\n")
    assert lines(text, RULE) == [3]


def test_export_in_one_run_does_not_reach_the_next() -> None:
    text = _run("pip install flask", before="RUN export PIP_NO_CACHE_DIR=1\n")
    assert lines(text, RULE) == [3]
