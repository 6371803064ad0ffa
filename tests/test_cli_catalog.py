"""`imagekit rules`, `imagekit explain`, `--version`, and how errors become exit codes."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from imagekit import catalog as catalog_module
from imagekit.catalog import Severity, load_catalog
from imagekit.cli import cli, main
from imagekit.cli.lint import lint_exit_code

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out == f"imagekit {importlib.metadata.version('imagekit')}\n"
    assert "0.1.0" in out


def test_the_program_freezes_what_is_left_and_a_caller_keeps_its_collector() -> None:
    import gc

    frozen = gc.get_freeze_count()
    assert main(["rules", "--format", "json"]) == 0
    assert gc.get_freeze_count() == frozen
    code = (
        "import gc, sys\n"
        "from imagekit.cli import main\n"
        "sys.argv = ['imagekit', 'rules', '--format', 'json']\n"
        "status = main()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)
    assert done.stderr.splitlines()[-1] == "True True"


def test_rules_table_lists_every_rule() -> None:
    code, out, _ = run("rules")
    assert code == 0
    header = out.splitlines()[0].split()
    assert header == ["id", "name", "severity", "category", "summary", "hadolint"]
    for rule in CATALOG:
        line = next(line for line in out.splitlines() if line.startswith(rule.id + " "))
        assert rule.name in line and rule.severity.value in line and rule.category in line
    assert "DL3032, DL3040" in out


def test_rules_json_is_the_full_catalogue() -> None:
    code, out, _ = run("rules", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data == [rule.to_dict() for rule in CATALOG]
    assert set(data[0]) == {
        "id",
        "name",
        "severity",
        "category",
        "summary",
        "why",
        "bad",
        "good",
        "fix",
        "hadolint",
        "enabled",
        "scope",
    }


def test_rules_markdown_table() -> None:
    code, out, _ = run("rules", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "| Rule | Name | Severity | Summary | hadolint | Fix saved on the examples |"
    assert len(lines) == 2 + len(CATALOG)
    assert lines[2].startswith("| IK001 | `syntax-error` | error | ")
    assert all(line.replace("\\|", "").count("|") == 7 for line in lines)


@pytest.mark.parametrize("key", ["IK201", "ik201", "apt-lists-left"])
def test_explain_by_id_or_name(key: str) -> None:
    rule = CATALOG.get("IK201")
    code, out, _ = run("explain", key)
    assert code == 0
    assert out.splitlines()[0] == "IK201 apt-lists-left"
    assert "severity: warning" in out
    assert rule.summary in out
    for section in ("Why", "Bad", "Good", "Fix"):
        assert f"\n{section}\n" in out
    assert "    RUN apt-get update \\" in out
    assert "rm -rf /var/lib/apt/lists/*" in out
    assert out.rstrip().endswith("hadolint equivalent: DL3009")


def test_explain_without_hadolint_equivalent() -> None:
    code, out, _ = run("explain", "IK301")
    assert code == 0
    assert "hadolint equivalent: none" in out
    assert "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/" in out


def test_explain_json() -> None:
    code, out, _ = run("explain", "IK402", "--format", "json")
    assert code == 0
    assert json.loads(out) == CATALOG.get("IK402").to_dict()


def test_unknown_rule_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("explain", "IK999")
    assert (code, out) == (2, "")
    assert err == "imagekit: error[usage]: unknown rule IK999; `imagekit rules` lists them\n"
    assert main(["explain", "IK999"]) == 2
    assert capsys.readouterr().err == err


@pytest.mark.parametrize(
    "argv",
    [["--no-such-option"], ["no-such-command"], ["rules", "--format", "xml"], ["lint"]],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("imagekit: error[usage]: ")


def test_no_command_shows_help_and_exits_2() -> None:
    code, out, err = run()
    assert (code, out) == (2, "")
    assert err.startswith("Usage: imagekit ")
    assert "explain" in err and "lint" in err and "rules" in err


def test_broken_catalogue_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "IK201.toml").write_text('id = "IK201"\n')
    monkeypatch.setattr(catalog_module, "rules_dir", lambda: tmp_path)
    catalog_module.load_catalog.cache_clear()
    try:
        assert main(["rules"]) == 2
    finally:
        catalog_module.load_catalog.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("imagekit: error[config]: rule file ")
    assert str(tmp_path / "IK201.toml") in err and "key 'name'" in err


def _explode(exc: BaseException) -> object:
    def load() -> object:
        raise exc

    return load


def test_unexpected_exception_is_one_line_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("IMAGEKIT_DEBUG", raising=False)
    monkeypatch.setattr(catalog_module, "load_catalog", _explode(RuntimeError("boom\nagain")))
    assert main(["rules"]) == 70
    assert capsys.readouterr().err == "imagekit: internal error: RuntimeError: boom again\n"
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 70
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEKIT_DEBUG", "1")
    monkeypatch.setattr(catalog_module, "load_catalog", _explode(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        main(["rules"])


def test_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(catalog_module, "load_catalog", _explode(KeyboardInterrupt()))
    assert main(["rules"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_console_script_and_module_entry_points() -> None:
    script = Path(sys.executable).parent / "imagekit"
    for argv in ([str(script)], [sys.executable, "-m", "imagekit"]):
        done = subprocess.run([*argv, "explain", "IK999"], capture_output=True, text=True)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr


def test_cli_import_is_cheap() -> None:
    """Importing the CLI loads neither tables, YAML, docker, AWS nor the lint engine.

    Of lint it loads only the list of output format names, for the ``--format`` choices.
    """
    code = "import sys, imagekit.cli; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(out.split())
    for heavy in ("tabulate", "yaml", "docker", "boto3", "botocore"):
        assert heavy not in loaded
    lint = {name for name in loaded if name.split(".")[:2] == ["imagekit", "lint"]}
    assert lint <= {"imagekit.lint", "imagekit.lint.formats"}


@dataclass(frozen=True)
class _Finding:
    rule: str
    severity: Severity


@pytest.mark.parametrize(
    ("findings", "errors", "failing", "expected"),
    [
        ([], [], 0, 0),
        ([_Finding("IK101", Severity.INFO)], [], 0, 0),
        ([_Finding("IK201", Severity.WARNING)], [], 1, 1),
        ([_Finding("IK001", Severity.ERROR)], [], 0, 2),
        ([], ["imagekit: cannot read missing/Dockerfile"], 0, 2),
        ([_Finding("IK201", Severity.WARNING)], ["x"], 1, 2),
    ],
)
def test_lint_exit_code(
    findings: list[_Finding], errors: list[str], failing: int, expected: int
) -> None:
    assert lint_exit_code(findings, errors, failing) == expected
