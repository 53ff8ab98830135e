"""The text report without colour is written without rich (report/text.py): it must be what rich writes for the
same prints, to the byte: control characters dropped, tabs expanded by terminal cells, nothing wrapped."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from infra_policy_linter.report import text as text_report
from infra_policy_linter.run.engine import run
from tests.conftest import REPO


def _through_rich(prints: list[text_report.Printed]) -> str:
    """What the text report wrote before it had a plain writer: rich's console with colour off."""
    out = io.StringIO()
    console = Console(
        file=out,
        color_system=None,
        no_color=True,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
        width=120,
    )
    for p in prints:
        line = Text(style=p.style or "")
        for piece, style in p.pieces:
            line.append(piece, style=style)
        console.print(line, end=p.end)
    return out.getvalue()


def _plain(prints: list[text_report.Printed]) -> str:
    return "".join(text_report._plain(p) for p in prints)


TRICKY = [
    "plain",
    "a\ttab",
    "\tleading\t\ttwo\tthree",
    "wide 日本語\tafter wide\tend",
    "bell\x07 back\x08 vt\x0b ff\x0c cr\r done",
    "esc \x1b[31m not a style\x1b[0m and nul \x00 kept",
    "x" * 300 + "\tlong line, not wrapped",
    "multi\nline\tpiece\n\tindented",
    "trailing spaces   ",
    "   ",
    "",
    "emoji :smile: [bold]markup[/bold] 🎉\tafter",
    "combining e\u0301\tzero width\u200b\ttab",
]


@pytest.mark.parametrize("value", TRICKY)
def test_a_tricky_print_is_written_as_rich_writes_it(value: str) -> None:
    prints = [
        text_report.Printed([(value, None)]),
        text_report.Printed([("  why: ", None), (value, None)], style="dim"),
        text_report.Printed([(value, "bold"), (" ", None), (value + "\n", None)], end=""),
        text_report.Printed([]),
    ]
    assert _plain(prints) == _through_rich(prints)


def test_every_fixture_report_is_written_as_rich_writes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    report = run([Path("fixtures")], REPO, jobs=1)
    prints = text_report.printed(report, REPO)
    assert len(report.findings) > 150
    written = io.StringIO()
    text_report.render(report, written, False, REPO)
    assert written.getvalue() == _through_rich(prints)
    assert "\n  > " in written.getvalue()  # code frames are there
