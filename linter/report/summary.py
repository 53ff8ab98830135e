"""Counts shared by every output format."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.run.coverage import COUNT_KEYS
from infra_policy_linter.run.engine import Report


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
        **{key: report.counts.get(key, 0) for key in COUNT_KEYS},
    }


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def summary_line(report: Report) -> str:
    """The last line of the human formats: what was read, what was found, and what the verdicts rest on."""
    s = summary(report)
    parts = [
        _plural(s[key], word)
        for key, word in (("errors", "error"), ("warnings", "warning"), ("notes", "note"))
        if s[key]
    ]
    found = ", ".join(parts) if parts else "no findings"
    line = (
        f"Checked {_plural(s['files'], 'file')} in {_plural(s['units'], 'unit')}: {found}. "
        f"{_plural(s['destinations'], 'destination')} checked: {s['granted']} granted, "
        f"{s['not_granted']} not granted, {s['unverifiable']} unverifiable; "
        f"{_plural(s['not_followed'], 'module call or stack', 'module calls or stacks')} not followed."
    )
    if s["skipped"]:
        line += f" {_plural(s['skipped'], 'unit')} with nothing Lambda in them not read."
    if s["parse_errors"]:
        line += f" {_plural(s['parse_errors'], 'input')} could not be read."
    if s["unrendered"]:
        n = s["unrendered"]
        line += (
            f" Skipped {n} template source{'s' if n != 1 else ''} with {{{{ }}}} placeholders (not YAML, JSON or "
            f"HCL until rendered), e.g. {report.unrendered[0]}."
        )
    return line
