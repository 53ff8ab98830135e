"""One line per finding (``path:line:col RULE message``), then the summary line: for logs and editors."""

from __future__ import annotations

from infra_policy_linter.report.summary import summary_line
from infra_policy_linter.run.engine import Report


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render(report: Report) -> str:
    lines = [
        f"{f.location.path}:{f.location.line}:{f.location.column} {f.rule} {_one_line(f.message)}"
        for f in report.findings
    ]
    for e in report.errors:
        where = e.path + (f":{e.line}" if e.line else "") + (f":{e.column}" if e.line and e.column else "")
        lines.append(f"{where} error {_one_line(e.message)}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
