"""Machine-readable JSON: findings, input errors and a summary; byte-identical for identical input."""

from __future__ import annotations

from typing import Any

from infra_policy_linter import INFORMATION_URI, TOOL_NAME, __version__
from infra_policy_linter.findings.finding import Finding, chain_json
from infra_policy_linter.report import json_text
from infra_policy_linter.report.summary import summary
from infra_policy_linter.run.engine import Report


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "level": f.level,
        "message": f.message,
        "path": f.location.path,
        "line": f.location.line,
        "column": f.location.column,
        "end_line": f.location.end_line,
        "end_column": f.location.end_column,
        "function": f.function,
        "role": f.role,
        "destination": f.destination,
        "action": f.action,
        "fix": f.fix,
        "fix_applicability": f.applicability,
        "kind": f.kind,
        "evidence": chain_json(f.chain),
        "fingerprint": f.fingerprint,
        "related": [
            {"message": r.message, "path": r.location.path, "line": r.location.line, "column": r.location.column}
            for r in f.related
        ],
    }


def render(report: Report) -> str:
    doc: dict[str, Any] = {
        "tool": {"name": TOOL_NAME, "version": __version__, "information_uri": INFORMATION_URI},
        "findings": [_finding(f) for f in report.findings],
        "suppressed": [
            {
                **_finding(s.finding),
                "justification": s.suppression.reason,
                "suppressed_at": {"path": s.suppression.location.path, "line": s.suppression.location.line},
            }
            for s in report.suppressed
        ],
        "errors": [{"path": e.path, "line": e.line, "column": e.column, "message": e.message} for e in report.errors],
        "summary": summary(report),
    }
    return json_text.dumps(doc, ("findings", "suppressed", "errors"))
