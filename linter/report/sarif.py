"""SARIF 2.1.0 for GitHub code scanning: one run, every rule described, stable fingerprints, %SRCROOT% paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_policy_linter import INFORMATION_URI, TOOL_NAME, __version__
from infra_policy_linter.findings.finding import Finding, chain_json
from infra_policy_linter.model.located import Location
from infra_policy_linter.report import json_text
from infra_policy_linter.run.engine import Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def _region(loc: Location) -> dict[str, int]:
    return {"startLine": loc.line, "startColumn": loc.column, "endLine": loc.end_line, "endColumn": loc.end_column}


def _physical(loc: Location, rebase: Callable[[str], str]) -> dict[str, Any]:
    return {"artifactLocation": {"uri": rebase(loc.path), "uriBaseId": SRCROOT}, "region": _region(loc)}


def _rule(rule: Any) -> dict[str, Any]:
    markdown = (
        f"**{rule.title}**\n\n{rule.rationale}\n\n**Example**\n\n```\n{rule.example}\n```\n\n"
        f"**How to fix**\n\n{rule.remediation}\n\n[Rule documentation]({rule.help_url})"
    )
    properties: dict[str, Any] = {"tags": list(rule.tags), "precision": rule.precision}
    if "security" in rule.tags:
        properties["security-severity"] = rule.security_severity
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": f"{rule.rationale}\n\nHow to fix: {rule.remediation}", "markdown": markdown},
        "helpUri": rule.help_url,
        "defaultConfiguration": {"level": rule.level},
        "properties": properties,
    }


def _result(
    f: Finding, index: dict[str, int], justification: str | None, rebase: Callable[[str], str]
) -> dict[str, Any]:
    text = f.message + (f"\n\nFix:\n{f.fix}" if f.fix else "")
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": f.level,
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(f.location, rebase)}],
        "partialFingerprints": {"infraPolicyLinterFinding/v1": f.fingerprint},
    }
    if f.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(r.location, rebase), "message": {"text": r.message}}
            for i, r in enumerate(f.related)
        ]
    if justification is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": justification}]
    properties = {
        k: v
        for k, v in (
            ("function", f.function),
            ("role", f.role),
            ("destination", f.destination),
            ("action", f.action),
            ("kind", f.kind),
            ("evidence", chain_json(f.chain)),
        )
        if v
    }
    if properties:
        result["properties"] = properties
    return result


def render(report: Report, rebase: Callable[[str], str] = lambda p: p) -> str:
    """``rebase`` turns the run's display paths into paths relative to %SRCROOT%, the repository root."""
    from infra_policy_linter.rules import ALL_RULES

    index = {rule.id: i for i, rule in enumerate(ALL_RULES)}
    results = [_result(f, index, None, rebase) for f in report.findings]
    results += [_result(s.finding, index, s.suppression.reason, rebase) for s in report.suppressed]
    results.sort(
        key=lambda r: (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
            r["ruleId"],
            r["partialFingerprints"]["infraPolicyLinterFinding/v1"],
        )
    )
    notifications = []
    for e in report.errors:
        note: dict[str, Any] = {"level": "error", "message": {"text": e.message}}
        physical: dict[str, Any] = {"artifactLocation": {"uri": rebase(e.path), "uriBaseId": SRCROOT}}
        if e.line:
            physical["region"] = {"startLine": e.line, **({"startColumn": e.column} if e.column else {})}
        note["locations"] = [{"physicalLocation": physical}]
        notifications.append(note)
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in ALL_RULES],
            }
        },
        "invocations": [{"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json_text.dumps(doc, ("results",))
