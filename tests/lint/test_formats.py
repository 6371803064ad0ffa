"""CI output formats: github, checkstyle, gitlab, junit and sarif."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from imagekit.catalog import Severity, load_catalog
from imagekit.cli import main
from imagekit.cli.lint import LINT_OPTIONS
from imagekit.lint.findings import Finding
from imagekit.lint.formats import FORMATS
from imagekit.lint.output import render
from tests.support.golden import EXAMPLE, ROOT, check_golden, example_findings

NASTY = 'costs 50% more, see: a\r\nb <tag> & "quoted"'


@pytest.fixture
def findings(monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(ROOT)
    return example_findings()


def finding(message: str = NASTY, severity: Severity = Severity.WARNING, **kw: Any) -> Finding:
    fields: dict[str, Any] = {
        "path": "dir,one/Docker:file",
        "rule": "IK201",
        "name": "apt-lists-left",
        "severity": severity,
        "message": message,
        "line": 3,
        "column": 5,
        "end_line": 4,
        "end_column": 9,
    }
    return Finding(**(fields | kw))


def _sarif_without_rules(text: str) -> str:
    """The SARIF log with the catalogue and version left out: they change with every release."""
    log = json.loads(text)
    driver = log["runs"][0]["tool"]["driver"]
    driver["rules"] = "<the catalogue, checked by its own test>"
    driver["version"] = "<version>"
    return json.dumps(log, indent=2) + "\n"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("github", "python-service.github.txt"),
        ("checkstyle", "python-service.checkstyle.xml"),
        ("gitlab", "python-service.gitlab.json"),
        ("junit", "python-service.junit.xml"),
    ],
)
def test_format_matches_golden(findings: list[Finding], fmt: str, name: str) -> None:
    check_golden(name, render(findings, fmt))


def test_sarif_matches_golden(findings: list[Finding]) -> None:
    check_golden("python-service.sarif.json", _sarif_without_rules(render(findings, "sarif")))


def test_cli_choices_are_the_formats() -> None:
    option = next(o for o in LINT_OPTIONS if o.name == "--format")
    assert option.choices == FORMATS
    assert {"tty", "json", "github", "checkstyle", "gitlab", "junit", "sarif"} == set(FORMATS)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        render([], "yaml")


# github


def test_github_levels_and_properties() -> None:
    lines = render(
        [
            finding("m", s)
            for s in (Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.STYLE)
        ],
        "github",
    ).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error",
        "::warning",
        "::notice",
        "::notice",
    ]
    assert lines[0] == (
        "::error file=dir%2Cone/Docker%3Afile,line=3,col=5,endLine=4,endColumn=9,"
        "title=IK201 apt-lists-left::m"
    )


def test_github_escapes_message() -> None:
    (line,) = render([finding()], "github").splitlines()
    message = line.split("::", 2)[2]
    assert message == 'costs 50%25 more, see: a%0D%0Ab <tag> & "quoted"'


def test_github_nothing_for_no_findings() -> None:
    assert render([], "github") == ""


# checkstyle


def test_checkstyle_parses_and_groups_files(findings: list[Finding]) -> None:
    other = finding("x", Severity.STYLE, path="other/Dockerfile")
    root = ET.fromstring(render([*findings, other], "checkstyle"))
    assert root.tag == "checkstyle"
    assert root.get("version") == "4.3"
    files = root.findall("file")
    assert [f.get("name") for f in files] == [EXAMPLE, "other/Dockerfile"]
    errors = files[0].findall("error")
    assert len(errors) == len(findings)
    assert errors[0].attrib == {
        "line": str(findings[0].line),
        "column": str(findings[0].column),
        "severity": "warning",
        "message": findings[0].message,
        "source": f"imagekit.{findings[0].rule}",
    }
    assert files[1].find("error").get("severity") == "info"  # type: ignore[union-attr]


def test_checkstyle_escapes() -> None:
    root = ET.fromstring(render([finding()], "checkstyle"))
    error = root.find("file/error")
    assert error is not None
    assert error.get("message") == NASTY
    assert root.find("file").get("name") == "dir,one/Docker:file"  # type: ignore[union-attr]


def test_checkstyle_empty() -> None:
    root = ET.fromstring(render([], "checkstyle"))
    assert root.tag == "checkstyle" and len(root) == 0


# gitlab


def test_gitlab_issues(findings: list[Finding]) -> None:
    issues = json.loads(render(findings, "gitlab"))
    assert len(issues) == len(findings)
    for issue, f in zip(issues, findings, strict=True):
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == f.rule
        assert f.message in issue["description"]
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
        assert issue["location"] == {"path": f.path, "lines": {"begin": f.line, "end": f.end_line}}
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_gitlab_severities_and_stable_fingerprint() -> None:
    levels = [Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.STYLE]
    issues = json.loads(render([finding("m", s) for s in levels], "gitlab"))
    assert [i["severity"] for i in issues] == ["critical", "major", "minor", "info"]
    first = json.loads(render([finding()], "gitlab"))[0]["fingerprint"]
    assert first == json.loads(render([finding()], "gitlab"))[0]["fingerprint"]
    assert first != json.loads(render([finding(line=7)], "gitlab"))[0]["fingerprint"]
    assert json.loads(render([finding()], "gitlab"))[0]["description"].endswith(NASTY)


# junit


def test_junit_one_failure_per_finding(findings: list[Finding]) -> None:
    suite = ET.fromstring(render(findings, "junit"))
    assert suite.tag == "testsuite"
    assert suite.get("name") == "imagekit lint"
    assert suite.get("tests") == suite.get("failures") == str(len(findings))
    cases = suite.findall("testcase")
    assert len(cases) == len(findings)
    first, f = cases[0], findings[0]
    assert first.get("classname") == EXAMPLE
    assert first.get("name") == f"{f.rule} {f.name} line {f.line}"
    failure = first.find("failure")
    assert failure is not None
    assert failure.get("message") == f.message
    assert failure.get("type") == f.severity.value
    assert f.message in (failure.text or "")


def test_junit_passes_without_findings() -> None:
    suite = ET.fromstring(render([], "junit"))
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["imagekit lint"]
    assert cases[0].find("failure") is None
    assert suite.get("failures") == "0"


def test_junit_escapes() -> None:
    failure = ET.fromstring(render([finding()], "junit")).find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == NASTY
    assert NASTY.replace("\r\n", "\n") in (failure.text or "")


# sarif


def test_sarif_structure(findings: list[Finding]) -> None:
    log = json.loads(render(findings, "sarif"))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "imagekit"
    assert isinstance(driver["version"], str) and driver["version"]
    catalog = load_catalog()
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(catalog.ids)
    for rule in rules:
        doc = catalog.get(rule["id"])
        assert rule["name"] == doc.name
        assert rule["shortDescription"]["text"] == doc.summary
        assert rule["fullDescription"]["text"] == doc.why.strip()
        assert doc.fix.split()[0] in rule["help"]["text"]
        assert doc.good.strip() in rule["help"]["markdown"]
        assert doc.bad.strip() in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["properties"]["hadolint"] == list(doc.hadolint)
        for code in doc.hadolint:
            assert (
                f"[{code}](https://github.com/hadolint/hadolint/wiki/{code})"
                in (rule["help"]["markdown"])
            )
    results = run["results"]
    assert len(results) == len(findings)
    for result, f in zip(results, findings, strict=True):
        assert result["ruleId"] == f.rule
        assert rules[result["ruleIndex"]]["id"] == f.rule
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"] == f.message
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == EXAMPLE
        region = physical["region"]
        assert all(isinstance(v, int) and v >= 1 for v in region.values())
        assert (region["startLine"], region["startColumn"]) == (f.line, f.column)
        assert (region["endLine"], region["endColumn"]) == (f.end_line, f.end_column)
        assert (region["endLine"], region["endColumn"]) >= (
            region["startLine"],
            region["startColumn"],
        )


def test_sarif_levels_paths_and_text() -> None:
    levels = [Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.STYLE]
    items = [finding(NASTY, s) for s in levels]
    items += [finding(path="<stdin>"), finding(path="sub\\dir\\Dockerfile")]
    results = json.loads(render(items, "sarif"))["runs"][0]["results"]
    assert [r["level"] for r in results[:4]] == ["error", "warning", "note", "note"]
    assert results[0]["message"]["text"] == NASTY
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris[-2:] == ["%3Cstdin%3E", "sub/dir/Dockerfile"]


def test_sarif_empty_run_still_lists_rules() -> None:
    run = json.loads(render([], "sarif"))["runs"][0]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(load_catalog())


# the command line


@pytest.mark.parametrize("fmt", ["github", "checkstyle", "gitlab", "junit", "sarif"])
def test_cli_formats_keep_exit_codes(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = load_catalog().get("IK201")
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.write_text(rule.bad)
    good.write_text(rule.good)
    assert main(["lint", "--format", fmt, str(bad)]) == 1
    assert "IK201" in capsys.readouterr().out
    assert main(["lint", "--format", fmt, str(good)]) == 0
    assert main(["lint", "--format", fmt, "--failure-threshold", "none", str(bad)]) == 0
    assert main(["lint", "--format", fmt, str(tmp_path / "missing")]) == 2
