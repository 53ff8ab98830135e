"""Human output: ``path:line:col RULE message``, a short code frame, the fix, and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from rich.console import Console
from rich.text import Text

from infra_policy_linter.findings.finding import Finding, chain_text
from infra_policy_linter.report.summary import summary_line
from infra_policy_linter.run.engine import Report

_STYLE = {"error": "bold red", "warning": "bold yellow", "note": "bold blue"}


class _Sources:
    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.cache: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self.cache:
            try:
                raw = (self.cwd / path).read_text(encoding="utf-8-sig", errors="replace")
                self.cache[path] = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            except OSError:
                self.cache[path] = []
        return self.cache[path]


def _frame(sources: _Sources, f: Finding) -> Text:
    lines = sources.lines(f.location.path)
    out = Text()
    if not lines:
        return out
    first = max(1, f.location.line - 2)
    last = min(len(lines), f.location.end_line + 1)
    width = len(str(last))
    for number in range(first, last + 1):
        marker = ">" if f.location.line <= number <= f.location.end_line else " "
        out.append(f"  {marker} {number:>{width}} | ", style="dim" if marker == " " else "bold")
        text = lines[number - 1].rstrip()
        out.append((text if len(text) <= 160 else text[:157] + "...") + "\n")
    return out


def render(report: Report, stream: IO[str], color: bool, cwd: Path) -> None:
    console = Console(
        file=stream,
        color_system="auto" if color else None,
        force_terminal=True if color else None,  # FORCE_COLOR: colour in a CI log that is not a terminal
        no_color=not color,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
        width=120,
    )
    sources = _Sources(cwd)
    for f in report.findings:
        head = Text()
        head.append(f"{f.location.path}:{f.location.line}:{f.location.column}", style="bold")
        head.append(" ")
        head.append(f.rule, style=_STYLE.get(f.level, "bold"))
        head.append(f" {f.message}")
        console.print(head)
        console.print(_frame(sources, f), end="")
        if f.chain is not None:
            why = Text("  why: ", style="dim")
            why.append(chain_text(f.chain, f.message))
            console.print(why)
        if f.fix:
            console.print(Text("  fix:", style="green"))
            console.print(Text("\n".join("    " + line for line in f.fix.split("\n"))))
        console.print()
    for e in report.errors:
        where = e.path + (f":{e.line}" if e.line else "") + (f":{e.column}" if e.line and e.column else "")
        line = Text()
        line.append(where, style="bold")
        line.append(" error ", style="bold red")
        line.append(e.message)
        console.print(line)
    if report.errors or report.findings:
        console.print()
    console.print(Text(summary_line(report), style="bold"))
