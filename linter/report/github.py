"""GitHub Actions workflow commands: an annotation per finding, no code scanning needed."""

from __future__ import annotations

from infra_policy_linter.run.engine import Report

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        loc = f.location
        props = (
            f"file={_prop(loc.path)},line={loc.line},col={loc.column},endLine={loc.end_line},"
            f"endColumn={loc.end_column},title={_prop(f.rule)}"
        )
        body = f.message + (f"\n\nFix:\n{f.fix}" if f.fix else "")
        lines.append(f"::{_COMMAND.get(f.level, 'warning')} {props}::{_data(body)}")
    for e in report.errors:
        props = (
            f"file={_prop(e.path)}"
            + (f",line={e.line}" if e.line else "")
            + (f",col={e.column}" if e.line and e.column else "")
            + ",title=input error"
        )
        lines.append(f"::error {props}::{_data(e.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
