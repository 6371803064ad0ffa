"""SARIF 2.1.0: the static-analysis interchange format read by code-scanning services.

Every catalogue rule is listed as a reporting descriptor, its docs taken from the
catalogue; each result names its rule by id and by index into that list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from imagekit.catalog import Rule, explain_text, load_catalog
from imagekit.lint.findings import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imagekit")
    except PackageNotFoundError:
        return "0+unknown"


def help_markdown(rule: Rule) -> str:
    """The rule's docs as Markdown: summary, why, fix, and the bad and good examples."""
    hadolint = ", ".join(f"`{code}`" for code in rule.hadolint) or "none"
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
                    "artifactLocation": {"uri": f.path.replace("\\", "/")},
                    "region": region,
                }
            }
        ],
    }
    return item


def render(findings: Sequence[Finding]) -> str:
    rules = list(load_catalog())
    index = {rule.id: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "imagekit",
                        "version": _version(),
                        "rules": [descriptor(rule) for rule in rules],
                    }
                },
                "results": [result(f, index.get(f.rule)) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
