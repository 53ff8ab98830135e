"""SARIF 2.1.0 for GitHub code scanning: one run, every rule described, stable fingerprints, %SRCROOT% paths."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra_policy_linter import INFORMATION_URI, TOOL_NAME, __version__
from infra_policy_linter.findings.finding import Finding, chain_json
from infra_policy_linter.model.located import Location
from infra_policy_linter.report import json_text
from infra_policy_linter.run.engine import Report
from infra_policy_linter.stored import write_entry

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


def descriptors() -> list[dict[str, Any]]:
    """Every rule as SARIF describes it (reportingDescriptor), in the rules' order."""
    from infra_policy_linter.rules import ALL_RULES

    return [_rule(rule) for rule in ALL_RULES]


def stored_descriptors(directory: Path | None) -> list[dict[str, Any]]:
    """:func:`descriptors`, kept in the cache directory for this version of the linter's code (run/cache.py's
    code digest covers the rules): importing the rules, and the verdicts and model their checks use, was a tenth
    of a cached run that writes SARIF. A missing or unreadable entry is made again."""
    from infra_policy_linter.run.cache import code_digest

    if directory is None:
        return descriptors()
    key = hashlib.sha256(f"sarif-rules\0{__version__}\0{code_digest()}".encode()).hexdigest()
    try:
        with open(os.path.join(directory, key + ".json"), "rb") as entry:
            stored = json.loads(entry.read())
        if isinstance(stored, list) and all(isinstance(d, dict) and isinstance(d.get("id"), str) for d in stored):
            return stored
    except (OSError, ValueError):
        pass
    made = descriptors()
    write_entry(directory, key, json.dumps(made, separators=(",", ":")).encode("utf-8"))
    return made


def render(
    report: Report, rebase: Callable[[str], str] = lambda p: p, rules: list[dict[str, Any]] | None = None
) -> str:
    """``rebase`` turns the run's display paths into paths relative to %SRCROOT%, the repository root; ``rules``:
    the rules' descriptors, when the caller has them (:func:`stored_descriptors`)."""
    rules = descriptors() if rules is None else rules
    index = {rule["id"]: i for i, rule in enumerate(rules)}
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
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json_text.dumps(doc, ("results",))
