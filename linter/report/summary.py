"""Counts shared by every output format."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.run.coverage import GROUPS, STATES, count_key
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
        **{
            count_key("destinations", state): report.counts.get(count_key("destinations", state), 0)
            for state in (
                "checked",
                *STATES,
            )
        },
        "not_followed": report.counts.get("not_followed", 0),
        "skipped": report.counts.get("skipped", 0),
        # every kind of check by group (destinations, event sources, ...): checked, granted, not granted, unverifiable
        "checks": {
            group: {state: report.counts.get(count_key(group, state), 0) for state in ("checked", *STATES)}
            for group in GROUPS
        },
    }


# How the summary line names each group of checks (run/coverage.py's CHECK_GROUPS), singular and plural.
GROUP_WORDS = {
    "destinations": ("destination", "destinations"),
    "event_sources": ("event source", "event sources"),
    "dead_letters": ("dead-letter target", "dead-letter targets"),
}


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _checks(checks: dict[str, dict[str, int]]) -> list[str]:
    """One clause per group that checked something ("2 event sources checked: ..."); the destinations' clause
    also when nothing was checked at all."""
    shown = [
        g
        for g, c in checks.items()
        if c["checked"] or (g == "destinations" and not any(other["checked"] for other in checks.values()))
    ]
    parts = []
    for group in shown:
        c = checks[group]
        word, words = GROUP_WORDS.get(group, (group.replace("_", " ").rstrip("s"), group.replace("_", " ")))
        parts.append(
            f"{_plural(c['checked'], word, words)} checked: "
            f"{c['granted']} granted, {c['not_granted']} not granted, {c['unverifiable']} unverifiable; "
        )
    return parts


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
        + "".join(_checks(s["checks"]))
        + f"{_plural(s['not_followed'], 'module call or stack', 'module calls or stacks')} not followed."
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
