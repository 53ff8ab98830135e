"""GitLab Code Quality report: a JSON array of issues (description, check_name, fingerprint, severity,
location.path relative to the repository root, location.lines.begin), shown in merge requests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from infra_policy_linter.run.engine import Report

# GitLab's scale: info, minor, major, critical, blocker.
SEVERITY = {"error": "critical", "warning": "minor", "note": "info"}


def _fingerprint(parts: list[str], seen: set[str]) -> str:
    """Stable across line moves (no line numbers in it) and unique in the report, as GitLab requires: the n-th
    identical issue gets n in its key."""
    n = 0
    while True:
        digest = hashlib.sha256("\x1f".join(parts + ([str(n)] if n else [])).encode("utf-8")).hexdigest()
        if digest not in seen:
            seen.add(digest)
            return digest
        n += 1


def render(report: Report, rebase: Callable[[str], str] = lambda p: p) -> str:
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()
    for f in report.findings:
        path = rebase(f.location.path)
        description = f.message + (f"\n\nFix:\n{f.fix}" if f.fix else "")
        issues.append(
            {
                "type": "issue",
                "check_name": f.rule,
                "description": description,
                "categories": ["Security"],
                "severity": SEVERITY.get(f.level, "minor"),
                "fingerprint": _fingerprint([f.rule, path, f.function, f.destination, f.action or ""], seen),
                "location": {"path": path, "lines": {"begin": f.location.line, "end": f.location.end_line}},
            }
        )
    for e in report.errors:
        path = rebase(e.path)
        issues.append(
            {
                "type": "issue",
                "check_name": "input-error",
                "description": f"could not be read or parsed: {e.message}",
                "categories": ["Bug Risk"],
                "severity": "blocker",
                "fingerprint": _fingerprint(["input-error", path, e.message], seen),
                "location": {"path": path, "lines": {"begin": e.line or 1}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
