"""Counts shared by every output format."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.engine import Report


def summary(report: Report) -> dict[str, Any]:
    levels = {"error": 0, "warning": 0, "note": 0}
    for f in report.findings:
        levels[f.level] = levels.get(f.level, 0) + 1
    return {
        "files": report.files,
        "units": report.units,
        "findings": len(report.findings),
        "errors": levels["error"],
        "warnings": levels["warning"],
        "notes": levels["note"],
        "suppressed": len(report.suppressed),
        "parse_errors": len(report.errors),
        "unrendered": len(report.unrendered),
    }
