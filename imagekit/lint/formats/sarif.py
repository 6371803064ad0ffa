"""SARIF 2.1.0: the static-analysis interchange format read by code-scanning services.

Every catalogue rule is listed as a reporting descriptor, its docs taken from the
catalogue; each result names its rule by id and by index into that list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from imagekit.catalog import Rule, explain_text, load_catalog
from imagekit.lint.findings import Finding, Fix

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}
_DRIVE = re.compile(r"^[A-Za-z]:/")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imagekit")
    except PackageNotFoundError:
        return "0+unknown"


#: Where hadolint documents its codes; the help text links each equivalent code there.
HADOLINT_WIKI = "https://github.com/hadolint/hadolint/wiki/"


def help_markdown(rule: Rule) -> str:
    """The rule's docs as Markdown: summary, why, fix, and the bad and good examples."""
    hadolint = ", ".join(f"[{code}]({HADOLINT_WIKI}{code})" for code in rule.hadolint) or "none"
    return "\n".join(
        [
            f"**{rule.id} {rule.name}**: {rule.summary}",
            "",
            rule.why.strip(),
            "",
            f"**Fix:** {rule.fix.strip()}",
            "",
            "Bad:",
            "",
            "```dockerfile",
            rule.bad.rstrip("\n"),
            "```",
            "",
            "Good:",
            "",
            "```dockerfile",
            rule.good.rstrip("\n"),
            "```",
            "",
            f"hadolint equivalent: {hadolint}",
        ]
    )


def descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why.strip()},
        "help": {"text": explain_text(rule), "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
        "properties": {"hadolint": list(rule.hadolint)},
    }


def _outside_descriptor(f: Finding) -> dict[str, Any]:
    return {
        "id": f.rule,
        "name": f.name,
        "shortDescription": {"text": f"{f.rule} ({f.name})"},
        "defaultConfiguration": {"level": _LEVELS[f.severity.value]},
    }


def artifact_uri(path: str) -> str:
    """``path`` as the URI reference SARIF asks for: ``/`` separators, percent-encoded.

    Relative paths stay relative (``a b/Dockerfile`` is ``a%20b/Dockerfile``; a colon is
    encoded so it is not read as a scheme); absolute ones become ``file:`` URIs.
    """
    from urllib.parse import quote

    slashed = path.replace("\\", "/")
    if _DRIVE.match(slashed):
        return "file:///" + slashed[:2] + quote(slashed[2:], safe="/")
    if slashed.startswith("/"):
        return "file://" + quote(slashed, safe="/")
    return quote(slashed, safe="/")


def result(f: Finding, index: int | None) -> dict[str, Any]:
    region = {
        "startLine": f.line,
        "startColumn": f.column,
        "endLine": f.end_line,
        "endColumn": f.end_column,
    }
    item: dict[str, Any] = {"ruleId": f.rule}
    if index is not None:
        item["ruleIndex"] = index
    item |= {
        "level": _LEVELS[f.severity.value],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(f.path)},
                    "region": region,
                }
            }
        ],
    }
    if f.fix is not None:
        item["fixes"] = [_fix(f.fix, artifact_uri(f.path))]
    return item


def _fix(fix: Fix, uri: str) -> dict[str, Any]:
    """A SARIF fix: one artifact change whose replacements are the edits (an insertion
    deletes an empty region); ``properties.safety`` says whether ``--fix`` applies it."""
    replacements = [
        {
            "deletedRegion": {
                "startLine": e.line,
                "startColumn": e.column,
                "endLine": e.end_line,
                "endColumn": e.end_column,
            },
            "insertedContent": {"text": e.text},
        }
        for e in fix.edits
    ]
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}],
        "properties": {"safety": fix.safety.value},
    }


def render(findings: Sequence[Finding]) -> str:
    rules = list(load_catalog())
    index = {rule.id: i for i, rule in enumerate(rules)}
    descriptors = [descriptor(rule) for rule in rules]
    for f in findings:
        if f.rule not in index:  # a code from outside the catalogue (ShellCheck's SCnnnn)
            index[f.rule] = len(descriptors)
            descriptors.append(_outside_descriptor(f))
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "imagekit",
                        "version": _version(),
                        "rules": descriptors,
                    }
                },
                "results": [result(f, index.get(f.rule)) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
