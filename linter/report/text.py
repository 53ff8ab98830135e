"""Human output: ``path:line:col RULE message``, a short code frame, the fix, and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import IO, NamedTuple

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


class Printed(NamedTuple):
    """One print of the report: pieces of text with their style, a style for the whole (``None``: none), and what
    ends it."""

    pieces: list[tuple[str, str | None]]
    style: str | None = None
    end: str = "\n"


def _frame(sources: _Sources, f: Finding) -> Printed:
    lines = sources.lines(f.location.path)
    pieces: list[tuple[str, str | None]] = []
    if not lines:
        return Printed(pieces, end="")
    first = max(1, f.location.line - 2)
    last = min(len(lines), f.location.end_line + 1)
    width = len(str(last))
    for number in range(first, last + 1):
        marker = ">" if f.location.line <= number <= f.location.end_line else " "
        pieces.append((f"  {marker} {number:>{width}} | ", "dim" if marker == " " else "bold"))
        text = lines[number - 1].rstrip()
        pieces.append(((text if len(text) <= 160 else text[:157] + "...") + "\n", None))
    return Printed(pieces, end="")


def printed(report: Report, cwd: Path) -> list[Printed]:
    """The report, print by print."""
    sources = _Sources(cwd)
    out: list[Printed] = []
    for f in report.findings:
        where = f"{f.location.path}:{f.location.line}:{f.location.column}"
        out.append(
            Printed([(where, "bold"), (" ", None), (f.rule, _STYLE.get(f.level, "bold")), (f" {f.message}", None)])
        )
        out.append(_frame(sources, f))
        if f.chain is not None:
            out.append(Printed([("  why: ", None), (chain_text(f.chain, f.message), None)], style="dim"))
        if f.fix:
            out.append(Printed([("  fix:", None)], style="green"))
            out.append(Printed([("\n".join("    " + line for line in f.fix.split("\n")), None)]))
        out.append(Printed([]))
    for e in report.errors:
        where = e.path + (f":{e.line}" if e.line else "") + (f":{e.column}" if e.line and e.column else "")
        out.append(Printed([(where, "bold"), (" error ", "bold red"), (e.message, None)]))
    if report.errors or report.findings:
        out.append(Printed([]))
    out.append(Printed([(summary_line(report), None)], style="bold"))
    return out


def render(report: Report, stream: IO[str], color: bool, cwd: Path) -> None:
    """In colour through rich; without, as rich writes it (control characters dropped, tabs to the next multiple
    of 8 columns) but without loading rich, which costs a pre-commit run about a tenth of its time."""
    if color:
        _render_rich(printed(report, cwd), stream)
    else:
        stream.write("".join(_plain(p) for p in printed(report, cwd)))


def _render_rich(prints: list[Printed], stream: IO[str]) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=stream,
        color_system="auto",
        force_terminal=True,  # FORCE_COLOR: colour in a CI log that is not a terminal
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
        width=120,
    )
    for p in prints:
        text = Text(style=p.style or "")
        for piece, style in p.pieces:
            text.append(piece, style=style)
        console.print(text, end=p.end)


# What rich drops from text (rich.control.STRIP_CONTROL_CODES): bell, backspace, vertical tab, form feed, CR.
_DROPPED = dict.fromkeys((7, 8, 11, 12, 13))


def _plain(p: Printed) -> str:
    text = "".join(piece for piece, _ in p.pieces).translate(_DROPPED)
    if "\t" in text:
        text = "\n".join(_expand_tabs(line) if "\t" in line else line for line in text.split("\n"))
    return text + p.end


def _expand_tabs(line: str) -> str:
    """Each tab to the next multiple of 8 columns, counted in terminal cells (a wide character is two)."""
    from rich.cells import cell_len  # (only for a line with a tab: rich's table of character widths)

    out: list[str] = []
    column = 0
    for part in line.split("\t")[:-1]:
        column += cell_len(part) + 1
        spaces = -column % 8
        out.append(part + " " * (1 + spaces))
        column += spaces
    out.append(line.split("\t")[-1])
    return "".join(out)
